import BoardCatalog

/// Why a rig file, a slot or a lease could not be used. Each message names the file:line or the slot, and the fix.
public enum RigError: Error, Equatable, CustomStringConvertible {
    /// The rig file could not be read.
    case unreadable(path: String, reason: String)
    /// The rig file is not valid: where, and what is wrong.
    case invalid(SourceLocation, String)
    /// Two slots share a name.
    case duplicateSlot(name: String, first: SourceLocation, second: SourceLocation)
    /// `--slots` or `--tag` chose nothing, or named a slot the rig does not have.
    case unknownSlot(String, known: [String])
    /// The slot is leased by another job and `--wait` ran out.
    case leaseBusy(slot: String, holder: String, waited: Double)
    /// The lock file could not be opened.
    case lockFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read rig file \(path): \(reason); give the path with --rig"
        case .invalid(let location, let message):
            "\(location): \(message)"
        case .duplicateSlot(let name, let first, let second):
            "\(second): slot '\(name)' is already defined at line \(first.line); give each slot its own name"
        case .unknownSlot(let name, let known):
            "no slot matches '\(name)'; the rig has: " + (known.isEmpty ? "no slots" : known.joined(separator: ", "))
        case .leaseBusy(let slot, let holder, let waited):
            "slot '\(slot)' is held by \(holder); gave up after \(Int(waited)) s, raise --wait to queue longer"
        case .lockFailed(let path, let reason):
            "cannot open lock file \(path): \(reason); check the permissions of its folder or set XDG_RUNTIME_DIR"
        }
    }
}
