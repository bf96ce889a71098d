/// Everything that can go wrong while setting up or running the virtual rig.
public enum VirtualRigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A `--device` value that is not `KIND:BOARD[:key=value…]`.
    case badDeviceSpec(String, reason: String)
    /// A `--fault` or `fault=` value the rig does not understand, or one this device kind cannot inject.
    case badFault(String, reason: String)
    /// A device kind the rig does not model.
    case unknownKind(String, known: [String])
    /// The board catalog could not be loaded or does not know the board.
    case catalog(String)
    /// The board's chip cannot host this kind of device (no ROM bootloader, no flash, …).
    case unsupportedBoard(kind: String, board: String, reason: String)
    /// An address outside the emulated memory.
    case addressOutOfRange(UInt64, count: Int, region: String)
    /// The `--state` folder or a state file could not be read or written.
    case state(path: String, reason: String)
    /// umockdev could not build the testbed.
    case testbed(String)
    /// The command to run could not be started.
    case commandNotStarted(String)

    public var description: String {
        switch self {
        case .badDeviceSpec(let spec, let reason):
            "bad --device '\(spec)': \(reason); expected KIND:BOARD[:serial=S][:port=BUS-PORT]"
        case .badFault(let fault, let reason):
            "bad fault '\(fault)': \(reason); faults are \(FaultSpec.syntax)"
        case .unknownKind(let kind, let known):
            "unknown device kind '\(kind)'; the rig models: \(known.joined(separator: ", "))"
        case .catalog(let message):
            message
        case .unsupportedBoard(let kind, let board, let reason):
            "cannot model a '\(kind)' device on board '\(board)': \(reason)"
        case .addressOutOfRange(let address, let count, let region):
            "\(count) bytes at 0x\(String(address, radix: 16, uppercase: true)) are outside \(region)"
        case .state(let path, let reason):
            "cannot use the rig state at \(path): \(reason)"
        case .testbed(let message):
            "cannot set up the umockdev testbed: \(message) (is libumockdev0 installed?)"
        case .commandNotStarted(let message):
            message
        }
    }

    /// 2 for bad input, 3 for the environment, 127 when the command could not be started (as a shell does).
    public var exitCode: Int32 {
        switch self {
        case .badDeviceSpec, .badFault, .unknownKind, .catalog, .unsupportedBoard, .addressOutOfRange: 2
        case .state, .testbed: 3
        case .commandNotStarted: 127
        }
    }
}
