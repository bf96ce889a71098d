/// The PICOBOOT command IDs and status codes of the RP2040 boot ROM (picoboot-usbasp.md A3–A4, from the
/// pico-sdk's `boot/picoboot.h`), and the 32-byte command block the host sends on the bulk OUT endpoint.
public enum PICOBOOTCommandID: UInt8, Sendable {
    case exclusiveAccess = 0x01
    case reboot = 0x02
    case flashErase = 0x03
    case read = 0x84
    case write = 0x05
    case exitXIP = 0x06
    case enterCommandXIP = 0x07
    case exec = 0x08
    case vectorizeFlash = 0x09

    /// bCmdSize each command must carry (A3).
    var argumentSize: UInt8 {
        switch self {
        case .exclusiveAccess: 1
        case .reboot: 12
        case .flashErase, .read, .write: 8
        case .exitXIP, .enterCommandXIP: 0
        case .exec, .vectorizeFlash: 4
        }
    }
}

public enum PICOBOOTStatus: UInt32, Sendable {
    case ok = 0
    case unknownCommand = 1
    case invalidCommandLength = 2
    case invalidTransferLength = 3
    case invalidAddress = 4
    case badAlignment = 5
    case interleavedWrite = 6
    case rebooting = 7
    case unknownError = 8
}

/// One parsed command block (A3): little-endian, magic 0x431FD10B, arguments from offset 16.
public struct PICOBOOTCommandBlock: Equatable, Sendable {
    public static let magic: UInt32 = 0x431F_D10B
    public var token: UInt32
    public var commandID: UInt8
    public var commandSize: UInt8
    public var transferLength: UInt32
    public var arguments: [UInt8]

    /// nil unless exactly 32 bytes with the magic: the ROM answers anything else with UNKNOWN_CMD.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == 32, Self.word(bytes, 0) == Self.magic else { return nil }
        token = Self.word(bytes, 4)
        commandID = bytes[8]
        commandSize = bytes[9]
        transferLength = Self.word(bytes, 12)
        arguments = Array(bytes[16..<32])
    }

    /// The argument word at `index` (0 = dAddr / dPC, 1 = dSize / dSP, 2 = dDelayMS).
    public func argument(_ index: Int) -> UInt32 { Self.word(arguments, index * 4) }

    static func word(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}
