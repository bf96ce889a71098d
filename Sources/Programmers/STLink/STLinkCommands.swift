import Foundation

/// One ST-Link exchange: the 16-byte block it sends, how long the reply is, and how to read the reply.
/// Byte layouts are those of reference/stlink.md sections 3 and 4.
public protocol STLinkRequest {
    associatedtype Reply
    /// How messages name the command ("READDEBUGREG 0xE000EDF0").
    var name: String { get }
    func encode() -> [UInt8]
    var replyLength: Int { get }
    func decode(_ reply: [UInt8]) throws(STLinkError) -> Reply
}

/// The probe's firmware version (GET_VERSION, and GET_VERSION_EX on V3).
public struct STLinkVersion: Sendable, Equatable, CustomStringConvertible {
    public var major: Int
    public var jtag: Int
    public var swim: Int
    public var vendorID: UInt16
    public var productID: UInt16

    public var description: String { "V\(major)J\(jtag)" + (swim > 0 ? "S\(swim)" : "") }

    /// API v2 memory/register commands exist from V2 J11; V3 always has them (stlink.md section 7).
    var hasGetLastRWStatus2: Bool { major >= 3 || jtag >= 15 }
    var hasSWDSetFrequency: Bool { major == 2 && jtag >= 22 }
    var has16BitMemory: Bool { major >= 3 || jtag >= 26 }
    var needsInitAP: Bool { major >= 3 || jtag >= 28 }
    var hasTargetVoltage: Bool { major >= 3 || jtag >= 13 }
    /// 8-bit transfers: 64 bytes, 512 on V3 J6+ (stlink.md section 4, size limits).
    var maxByteTransfer: Int { major >= 3 && jtag >= 6 ? 512 : 64 }
}

func checkLength(_ reply: [UInt8], _ length: Int, _ name: String) throws(STLinkError) {
    guard reply.count >= length else { throw .shortReply(command: name, expected: length, got: reply.count) }
}

/// Byte 0 must be 0x80 (stlink.md section 5).
func checkStatus(_ reply: [UInt8], _ name: String) throws(STLinkError) {
    guard let code = reply.first else { throw .shortReply(command: name, expected: 1, got: 0) }
    if STLinkStatus(rawValue: code)?.isSuccess ?? false { return }
    throw .status(command: name, code: code)
}

/// GET_VERSION (0xF1): 6 bytes, the first two big-endian (stlink.md section 3).
public struct GetVersion: STLinkRequest {
    public var name: String { "GET_VERSION" }
    public var replyLength: Int { 6 }
    public func encode() -> [UInt8] { [STLinkCommand.getVersion.rawValue, 0x80] }
    public func decode(_ reply: [UInt8]) throws(STLinkError) -> STLinkVersion {
        try checkLength(reply, 6, name)
        let word = UInt16(reply[0]) << 8 | UInt16(reply[1])
        return STLinkVersion(major: Int(word >> 12), jtag: Int(word >> 6 & 0x3F), swim: Int(word & 0x3F),
                             vendorID: LE.u16(reply, at: 2), productID: LE.u16(reply, at: 4))
    }
}

/// GET_VERSION_EX (0xFB, V3 only): 12 bytes with one byte per version (stlink.md section 3).
public struct GetVersionEx: STLinkRequest {
    public var name: String { "GET_VERSION_EX" }
    public var replyLength: Int { 12 }
    public func encode() -> [UInt8] { [STLinkCommand.getVersionEx.rawValue, 0x80] }
    public func decode(_ reply: [UInt8]) throws(STLinkError) -> STLinkVersion {
        try checkLength(reply, 12, name)
        return STLinkVersion(major: Int(reply[0]), jtag: Int(reply[2]), swim: Int(reply[1]),
                             vendorID: LE.u16(reply, at: 8), productID: LE.u16(reply, at: 10))
    }
}

/// GET_CURRENT_MODE (0xF5): byte 0 of a 2-byte reply.
public struct GetCurrentMode: STLinkRequest {
    public var name: String { "GET_CURRENT_MODE" }
    public var replyLength: Int { 2 }
    public func encode() -> [UInt8] { [STLinkCommand.getCurrentMode.rawValue] }
    public func decode(_ reply: [UInt8]) throws(STLinkError) -> STLinkMode {
        try checkLength(reply, 2, name)
        guard let mode = STLinkMode(rawValue: reply[0]) else { throw .status(command: name, code: reply[0]) }
        return mode
    }
}

/// GET_TARGET_VOLTAGE (0xF7): V = 2 x 1.2 x r1 / r0 (stlink.md section 3).
public struct GetTargetVoltage: STLinkRequest {
    public var name: String { "GET_TARGET_VOLTAGE" }
    public var replyLength: Int { 8 }
    public func encode() -> [UInt8] { [STLinkCommand.getTargetVoltage.rawValue] }
    public func decode(_ reply: [UInt8]) throws(STLinkError) -> Double {
        try checkLength(reply, 8, name)
        let reference = LE.u32(reply, at: 0), reading = LE.u32(reply, at: 4)
        return reference == 0 ? 0 : 2.4 * Double(reading) / Double(reference)
    }
}

/// A command with no reply at all: DFU_EXIT, SWIM exit, DEBUG EXIT.
public struct NoReplyCommand: STLinkRequest, Sendable {
    public var name: String
    public var bytes: [UInt8]
    public var replyLength: Int { 0 }
    public func encode() -> [UInt8] { bytes }
    public func decode(_ reply: [UInt8]) throws(STLinkError) {}

    public static let dfuExit = NoReplyCommand(name: "DFU_EXIT",
                                               bytes: [STLinkCommand.dfu.rawValue, STLinkModeExit.dfuExit])
    public static let swimExit = NoReplyCommand(name: "SWIM_EXIT",
                                                bytes: [STLinkCommand.swim.rawValue, STLinkModeExit.swimExit])
    public static let debugExit = NoReplyCommand(
        name: "DEBUG_EXIT", bytes: [STLinkCommand.debug.rawValue, STLinkDebugCommand.exit.rawValue])
}

/// A DEBUG_COMMAND answered by a status byte (2 bytes, or 12 for GETLASTRWSTATUS2, 8 for SET_COM_FREQ).
public struct StatusCommand: STLinkRequest, Sendable {
    public var name: String
    public var sub: STLinkDebugCommand
    public var arguments: [UInt8] = []
    public var replyLength: Int = 2

    public func encode() -> [UInt8] { [STLinkCommand.debug.rawValue, sub.rawValue] + arguments }
    public func decode(_ reply: [UInt8]) throws(STLinkError) {
        try checkLength(reply, replyLength, name)
        try checkStatus(reply, name)
    }

    public static let enterSWD = StatusCommand(name: "ENTER SWD", sub: .enter, arguments: [STLinkModeExit.enterSWD])
    public static let resetSystem = StatusCommand(name: "RESETSYS", sub: .resetSystem)
    public static let lastRWStatus = StatusCommand(name: "GETLASTRWSTATUS", sub: .getLastRWStatus)
    public static let lastRWStatus2 = StatusCommand(name: "GETLASTRWSTATUS2", sub: .getLastRWStatus2, replyLength: 12)
    public static func initAP(_ port: UInt8) -> StatusCommand {
        StatusCommand(name: "INIT_AP \(port)", sub: .initAP, arguments: [port])
    }
    public static func driveNRST(_ level: STLinkNRST) -> StatusCommand {
        StatusCommand(name: "DRIVE_NRST \(level)", sub: .driveNRST, arguments: [level.rawValue])
    }
    public static func swdFrequency(divisor: UInt16) -> StatusCommand {
        StatusCommand(name: "SWD_SET_FREQ", sub: .swdSetFrequency, arguments: LE.bytes16(divisor))
    }
    /// V3: SET_COM_FREQ with the kHz value itself, 8-byte reply (stlink.md section 4, sub 0x61).
    public static func communicationFrequency(kHz: UInt32) -> StatusCommand {
        StatusCommand(name: "SET_COM_FREQ", sub: .setCommunicationFrequency, arguments: [0, 0] + LE.bytes(kHz),
                      replyLength: 8)
    }
    public static func writeDebugRegister(_ address: UInt32, _ value: UInt32) -> StatusCommand {
        StatusCommand(name: "WRITEDEBUGREG \(hexWord(address))", sub: .writeDebugRegister,
                      arguments: LE.bytes(address) + LE.bytes(value))
    }
    public static func writeRegister(_ register: UInt8, _ value: UInt32) -> StatusCommand {
        StatusCommand(name: "WRITEREG \(register)", sub: .writeRegister, arguments: [register] + LE.bytes(value))
    }
}

/// A DEBUG_COMMAND answered by a status at byte 0 and a word at byte 4 (8 or 12 bytes).
public struct WordCommand: STLinkRequest, Sendable {
    public var name: String
    public var sub: STLinkDebugCommand
    public var arguments: [UInt8] = []
    public var replyLength: Int = 8

    public func encode() -> [UInt8] { [STLinkCommand.debug.rawValue, sub.rawValue] + arguments }
    public func decode(_ reply: [UInt8]) throws(STLinkError) -> UInt32 {
        try checkLength(reply, replyLength, name)
        try checkStatus(reply, name)
        return LE.u32(reply, at: 4)
    }

    public static let readIDCodes = WordCommand(name: "READ_IDCODES", sub: .readIDCodes, replyLength: 12)
    public static func readDebugRegister(_ address: UInt32) -> WordCommand {
        WordCommand(name: "READDEBUGREG \(hexWord(address))", sub: .readDebugRegister, arguments: LE.bytes(address))
    }
    public static func readRegister(_ register: UInt8) -> WordCommand {
        WordCommand(name: "READREG \(register)", sub: .readRegister, arguments: [register])
    }
}

/// APIV2_READALLREGS: status at byte 0, then r0–r15, xPSR, MSP and PSP, a word each (stlink.md section 4, 0x3A).
public struct ReadAllRegisters: STLinkRequest, Sendable {
    public var name: String { "READALLREGS" }
    public var replyLength: Int { 88 }
    public func encode() -> [UInt8] { [STLinkCommand.debug.rawValue, STLinkDebugCommand.readAllRegisters.rawValue] }
    /// Indexed by `CortexMRegister.rawValue` (r0 … psp).
    public func decode(_ reply: [UInt8]) throws(STLinkError) -> [UInt32] {
        try checkLength(reply, replyLength, name)
        try checkStatus(reply, name)
        return (0...Int(CortexMRegister.psp.rawValue)).map { LE.u32(reply, at: 4 + $0 * 4) }
    }
}

/// READMEM_8/16/32BIT: address LE32 at byte 2, length LE16 at byte 6; raw data, no status.
/// An 8-bit read of one byte answers 2 bytes (stlink.md section 4, sub 0x0C).
public struct ReadMemory: STLinkRequest {
    public var width: Int
    public var address: UInt32
    public var count: Int

    public var name: String { "READMEM_\(width * 8)BIT \(count) bytes at \(hexWord(address))" }
    public var replyLength: Int { width == 1 && count == 1 ? 2 : count }
    var sub: STLinkDebugCommand { width == 4 ? .readMemory32 : width == 2 ? .readMemory16 : .readMemory8 }

    public func encode() -> [UInt8] {
        [STLinkCommand.debug.rawValue, sub.rawValue] + LE.bytes(address) + LE.bytes16(UInt16(count))
    }
    public func decode(_ reply: [UInt8]) throws(STLinkError) -> [UInt8] {
        try checkLength(reply, count, name)
        return Array(reply.prefix(count))
    }
}

/// WRITEMEM_8/16/32BIT: the same header, then `count` bytes on the OUT endpoint.
public struct WriteMemoryHeader {
    public var width: Int
    public var address: UInt32
    public var count: Int

    public var name: String { "WRITEMEM_\(width * 8)BIT \(count) bytes at \(hexWord(address))" }
    var sub: STLinkDebugCommand { width == 4 ? .writeMemory32 : width == 2 ? .writeMemory16 : .writeMemory8 }

    public func encode() -> [UInt8] {
        [STLinkCommand.debug.rawValue, sub.rawValue] + LE.bytes(address) + LE.bytes16(UInt16(count))
    }
}

