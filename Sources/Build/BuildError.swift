/// Everything that can stop a build, a size check or a QEMU run.
public enum BuildError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No `atelier.yaml` in the folder or any folder above it.
    case noProject(searchedFrom: String)
    /// `atelier.yaml` says something the build cannot use.
    case invalidManifest(file: String, line: Int?, message: String)
    /// A tool is not installed; `package` is the Debian package that provides it.
    case toolMissing(tool: String, package: String)
    /// The sources globs matched nothing.
    case noSources(patterns: [String])
    /// A compile step failed; `output` is the compiler's own text, with file:line positions.
    case compileFailed(file: String, output: String)
    /// The link failed for a reason other than a full memory region.
    case linkFailed(output: String)
    /// The image does not fit: `region` is the board's name for the memory region.
    case regionOverflow(region: String, bytesOver: UInt64, capacity: UInt64)
    /// A tool after the link (objcopy) failed.
    case toolFailed(tool: String, output: String)
    /// `--expect` or `--fail` is not a valid regular expression.
    case invalidPattern(pattern: String, reason: String)
    /// The UF2 file could not be made from the ELF.
    case imageConversion(path: String, reason: String)
    /// A tool could not be started at all.
    case spawnFailed(tool: String, reason: String)
    /// The board has no QEMU machine.
    case noQEMUMachine(board: String, boardsWithQEMU: [String])
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// The ELF output is not a 32-bit little-endian ELF the size report can read.
    case unreadableELF(path: String, reason: String)

    public var description: String {
        switch self {
        case .noProject(let folder):
            "no atelier.yaml in \(folder) or above it; create a project with 'atelier new DIR --board ID'"
        case .invalidManifest(let file, let line, let message):
            "\(file)\(line.map { ":\($0)" } ?? ""): \(message)"
        case .toolMissing(let tool, let package):
            "\(tool) is not installed; install the Debian package \(package) (apt-get install \(package))"
        case .noSources(let patterns):
            "the sources globs \(patterns.joined(separator: ", ")) match no file; fix 'sources:' in atelier.yaml"
        case .compileFailed(let file, let output):
            "compiling \(file) failed:\n\(output)"
        case .linkFailed(let output):
            "linking failed:\n\(output)"
        case .regionOverflow(let region, let over, let capacity):
            "the firmware does not fit: region '\(region)' (\(capacity) bytes) overflowed by \(over) bytes; "
                + "make the program smaller or build with --release"
        case .toolFailed(let tool, let output):
            "\(tool) failed:\n\(output)"
        case .invalidPattern(let pattern, let reason):
            "'\(pattern)' is not a valid regular expression: \(reason)"
        case .imageConversion(let path, let reason):
            "cannot write \(path): \(reason)"
        case .spawnFailed(let tool, let reason):
            "cannot run \(tool): \(reason)"
        case .noQEMUMachine(let board, let boards):
            "board '\(board)' has no QEMU machine; boards that have one: \(boards.joined(separator: ", "))"
        case .io(let path, let reason):
            "cannot read or write \(path): \(reason)"
        case .unreadableELF(let path, let reason):
            "\(path) is not an ELF file atelier can read: \(reason)"
        }
    }
}
