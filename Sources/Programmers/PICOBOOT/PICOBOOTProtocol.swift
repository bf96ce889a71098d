/// PICOBOOT command IDs of the RP2040 boot ROM (picoboot-usbasp.md A3, pico-sdk `boot/picoboot.h`). Bit 7 set
/// means the data phase runs device to host.
public enum PICOBOOTCommandID: UInt8, Sendable {
    case exclusiveAccess = 0x01
    case reboot = 0x02
    case flashErase = 0x03
    case read = 0x84
    case write = 0x05
    case exitXIP = 0x06
    case enterCommandXIP = 0x07

    public var isIn: Bool { rawValue & 0x80 != 0 }
}

/// dStatusCode of PICOBOOT_IF_CMD_STATUS (A4), in the header's order.
public enum PICOBOOTStatusCode: UInt32, Sendable {
    case ok = 0
    case unknownCommand = 1
    case invalidCommandLength = 2
    case invalidTransferLength = 3
    case invalidAddress = 4
    case badAlignment = 5
    case interleavedWrite = 6
    case rebooting = 7
    case unknownError = 8

    var name: String {
        switch self {
        case .ok: "OK"
        case .unknownCommand: "UNKNOWN_CMD"
        case .invalidCommandLength: "INVALID_CMD_LENGTH"
        case .invalidTransferLength: "INVALID_TRANSFER_LENGTH"
        case .invalidAddress: "INVALID_ADDRESS"
        case .badAlignment: "BAD_ALIGNMENT"
        case .interleavedWrite: "INTERLEAVED_WRITE"
        case .rebooting: "REBOOTING"
        case .unknownError: "UNKNOWN_ERROR"
        }
    }
}

/// One 32-byte command block (A3): magic, token, id, argument size, transfer length, arguments.
public struct PICOBOOTCommand: Equatable, Sendable {
    public static let magic: UInt32 = 0x431F_D10B
    public var id: PICOBOOTCommandID
    public var arguments: [UInt8]
    public var transferLength: UInt32

    public static func exclusiveAccess(_ mode: UInt8) -> PICOBOOTCommand {
        PICOBOOTCommand(id: .exclusiveAccess, arguments: [mode], transferLength: 0)
    }

    public static func reboot(pc: UInt32, sp: UInt32, delayMilliseconds: UInt32) -> PICOBOOTCommand {
        PICOBOOTCommand(id: .reboot, arguments: le32(pc) + le32(sp) + le32(delayMilliseconds), transferLength: 0)
    }

    public static func flashErase(address: UInt32, size: UInt32) -> PICOBOOTCommand {
        PICOBOOTCommand(id: .flashErase, arguments: le32(address) + le32(size), transferLength: 0)
    }

    public static func read(address: UInt32, size: UInt32) -> PICOBOOTCommand {
        PICOBOOTCommand(id: .read, arguments: le32(address) + le32(size), transferLength: size)
    }

    public static func write(address: UInt32, size: UInt32) -> PICOBOOTCommand {
        PICOBOOTCommand(id: .write, arguments: le32(address) + le32(size), transferLength: size)
    }

    public static let exitXIP = PICOBOOTCommand(id: .exitXIP, arguments: [], transferLength: 0)
    public static let enterCommandXIP = PICOBOOTCommand(id: .enterCommandXIP, arguments: [], transferLength: 0)

    public func encode(token: UInt32) -> [UInt8] {
        var bytes = le32(Self.magic) + le32(token) + [id.rawValue, UInt8(arguments.count), 0, 0]
        bytes += le32(transferLength)
        bytes += arguments + [UInt8](repeating: 0, count: 16 - arguments.count)
        return bytes
    }
}

func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

/// The 16-byte PICOBOOT_IF_CMD_STATUS record (A4).
public struct PICOBOOTStatus: Equatable, Sendable {
    public var token: UInt32
    public var code: UInt32
    public var commandID: UInt8
    public var inProgress: Bool

    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= 10 else { return nil }
        let word = { (offset: Int) in (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) } }
        token = word(0)
        code = word(4)
        commandID = bytes[8]
        inProgress = bytes[9] != 0
    }

    public var codeName: String { PICOBOOTStatusCode(rawValue: code)?.name ?? "status \(code)" }
}
