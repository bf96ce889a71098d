import BoardCatalog
import Foundation

/// Everything provisioning can refuse or fail at; `description` says what, where, and what to do.
public enum ProvisioningError: Error, Equatable, CustomStringConvertible {
    /// The batch file is not YAML, or a value in it is wrong.
    case invalidBatch(SourceLocation, String)
    /// A key the batch schema does not know, usually a typo.
    case unknownKey(SourceLocation, key: String, allowed: [String])
    /// A required key is absent.
    case missingKey(SourceLocation, key: String)
    /// A file named by the batch (image, CSV) cannot be read.
    case unreadable(path: String, reason: String)
    /// The CSV has no row for a unit's serial.
    case missingValues(file: String, serial: String)
    /// A unit's identity does not fit the space given for the block.
    case blockTooLarge(size: Int, limit: Int)
    /// The serial counter or the MAC range has no values left.
    case exhausted(String)
    /// The batch already has its target count of units.
    case batchComplete(count: Int)
    /// The ledger cannot be opened or written (file, permissions, server).
    case ledgerUnavailable(String)
    /// A ledger row broke a rule (a duplicate serial or MAC, a state change out of order).
    case ledgerConflict(String)
    /// The attached chip already has a unit of the batch that is not failed: no chip gets two identities.
    case chipAlreadyAssigned(chipUID: String, serial: String)
    /// The board carries the identity of an open unit recorded for another chip (the block was copied or the
    /// board swapped): that unit is not resumed on it.
    case chipMismatch(serial: String, recorded: String, attached: String)
    /// The firmware image already has bytes where the identity block goes.
    case blockOverlapsImage(address: UInt64)
    /// The device holds a block that does not decode (wrong magic, version or CRC).
    case invalidBlock(String)

    public var description: String {
        switch self {
        case .invalidBatch(let location, let message):
            "\(location): \(message)"
        case .unknownKey(let location, let key, let allowed):
            "\(location): unknown key '\(key)'; allowed here: \(allowed.joined(separator: ", "))"
        case .missingKey(let location, let key):
            "\(location): '\(key)' is required here"
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .missingValues(let file, let serial):
            "\(file) has no row for serial \(serial); add one or remove 'values' from the batch"
        case .blockTooLarge(let size, let limit):
            "the identity block needs \(size) bytes but only \(limit) fit at its address; move or shorten it"
        case .exhausted(let what):
            "\(what) has no values left; widen the range in the batch file"
        case .batchComplete(let count):
            "the batch has its \(count) units; raise 'count' in the batch file to provision more"
        case .ledgerUnavailable(let reason):
            "the ledger is unavailable: \(reason)"
        case .ledgerConflict(let reason):
            "ledger conflict: \(reason)"
        case .chipAlreadyAssigned(let chip, let serial):
            "chip \(chip) already has unit \(serial) of this batch; a chip is never given a second identity "
                + "(fail that unit first if the board must be provisioned again)"
        case .chipMismatch(let serial, let recorded, let attached):
            "the board carries unit \(serial), recorded for chip \(recorded), but chip \(attached) is attached; "
                + "erase the identity block of this board or attach the recorded chip"
        case .blockOverlapsImage(let address):
            "the image has bytes at the identity block address \(String(format: "0x%08llX", address)); "
                + "set identity.address in the batch file to free flash"
        case .invalidBlock(let reason):
            "identity block invalid: \(reason)"
        }
    }
}
