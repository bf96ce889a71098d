/// ST-Link V2/V2-1/V3 wire constants, in the order of reference/stlink.md (what OpenOCD 0.12 and stlink-org 1.7.0
/// send; ST's own specification is not public). Every command is a 16-byte block on the OUT endpoint.
public enum STLinkConstants {
    /// The command block is always this long, zero padded (stlink.md section 2).
    public static let commandLength = 16
    /// USB timeout of one exchange; stlink-org uses 3000 ms (stlink.md section 2).
    public static let timeout: Duration = .milliseconds(3000)
}

/// Byte 0 of a command block (stlink.md section 3).
public enum STLinkCommand: UInt8, Sendable {
    case getVersion = 0xF1
    case debug = 0xF2
    case dfu = 0xF3
    case swim = 0xF4
    case getCurrentMode = 0xF5
    case getTargetVoltage = 0xF7
    case getVersionEx = 0xFB
}

/// Byte 1 of a DEBUG_COMMAND (0xF2) block, API v2 (stlink.md section 4).
public enum STLinkDebugCommand: UInt8, Sendable {
    case readMemory32 = 0x07
    case writeMemory32 = 0x08
    case readMemory8 = 0x0C
    case writeMemory8 = 0x0D
    case exit = 0x21
    case enter = 0x30
    case readIDCodes = 0x31
    case resetSystem = 0x32
    case readRegister = 0x33
    case writeRegister = 0x34
    case writeDebugRegister = 0x35
    case readDebugRegister = 0x36
    case readAllRegisters = 0x3A
    case getLastRWStatus = 0x3B
    case driveNRST = 0x3C
    case getLastRWStatus2 = 0x3E
    case swdSetFrequency = 0x43
    case readMemory16 = 0x47
    case writeMemory16 = 0x48
    case initAP = 0x4B
    case setCommunicationFrequency = 0x61
    case getCommunicationFrequency = 0x62
}

/// Byte 1 of a DFU_COMMAND (0xF3) and the SWIM exit (stlink.md sections 3 and 8a step 3).
enum STLinkModeExit {
    static let dfuExit: UInt8 = 0x07
    static let swimExit: UInt8 = 0x01
    /// APIV2_ENTER argument: SWD without reset (stlink.md section 4, sub 0x30).
    static let enterSWD: UInt8 = 0xA3
}

/// GET_CURRENT_MODE reply byte 0 (stlink.md section 3).
public enum STLinkMode: UInt8, Sendable, CustomStringConvertible {
    case dfu = 0, massStorage = 1, debug = 2, swim = 3, bootloader = 4

    public var description: String {
        switch self {
        case .dfu: "DFU"
        case .massStorage: "mass storage"
        case .debug: "debug"
        case .swim: "SWIM"
        case .bootloader: "bootloader"
        }
    }
}

/// DRIVE_NRST argument (stlink.md section 4, sub 0x3C).
public enum STLinkNRST: UInt8, Sendable {
    case low = 0, high = 1, pulse = 2
}

/// The first byte of a status reply (stlink.md section 5, OpenOCD `stlink_usb_error_check`).
public enum STLinkStatus: UInt8, Sendable, CustomStringConvertible {
    case ok = 0x80
    case fault = 0x81
    case jtagGetIDCodeError = 0x09
    case jtagWriteError = 0x0C
    case jtagWriteVerifyError = 0x0D
    case swdAPWait = 0x10
    case swdAPFault = 0x11
    case swdAPError = 0x12
    case swdAPParityError = 0x13
    case swdDPWait = 0x14
    case swdDPFault = 0x15
    case swdDPError = 0x16
    case swdDPParityError = 0x17
    case swdAPWDataError = 0x18
    case swdAPStickyError = 0x19
    case swdAPStickyOverrunError = 0x1A
    case badAPError = 0x1D

    /// OpenOCD treats JTAG_WRITE_VERIF_ERROR as success (stlink.md section 5).
    var isSuccess: Bool { self == .ok || self == .jtagWriteVerifyError }
    /// WAIT answers are retried with back-off (stlink.md section 5).
    var isWait: Bool { self == .swdAPWait || self == .swdDPWait }

    public var description: String {
        switch self {
        case .ok: "OK"
        case .fault: "DEBUG_ERR_FAULT"
        case .jtagGetIDCodeError: "JTAG_GET_IDCODE_ERROR"
        case .jtagWriteError: "JTAG_WRITE_ERROR"
        case .jtagWriteVerifyError: "JTAG_WRITE_VERIF_ERROR"
        case .swdAPWait: "SWD_AP_WAIT"
        case .swdAPFault: "SWD_AP_FAULT"
        case .swdAPError: "SWD_AP_ERROR"
        case .swdAPParityError: "SWD_AP_PARITY_ERROR"
        case .swdDPWait: "SWD_DP_WAIT"
        case .swdDPFault: "SWD_DP_FAULT"
        case .swdDPError: "SWD_DP_ERROR"
        case .swdDPParityError: "SWD_DP_PARITY_ERROR"
        case .swdAPWDataError: "SWD_AP_WDATA_ERROR"
        case .swdAPStickyError: "SWD_AP_STICKY_ERROR"
        case .swdAPStickyOverrunError: "SWD_AP_STICKYORUN_ERROR"
        case .badAPError: "BAD_AP_ERROR"
        }
    }
}

/// USB identity per PID (stlink.md section 1): which generation, and which endpoints carry commands and replies.
public struct STLinkModel: Sendable, Equatable {
    public enum Generation: Int, Sendable { case v2 = 2, v3 = 3 }

    public var productID: UInt16
    public var name: String
    public var generation: Generation
    public var commandEndpoint: UInt8
    public var replyEndpoint: UInt8

    public static let vendorID: UInt16 = 0x0483

    /// V2 (0x3748) sends commands on EP 0x02; V2-1 and V3 on EP 0x01; every generation replies on 0x81.
    public static let all: [STLinkModel] = [
        STLinkModel(productID: 0x3748, name: "ST-Link V2", generation: .v2, commandEndpoint: 0x02,
                    replyEndpoint: 0x81),
        STLinkModel(productID: 0x374A, name: "ST-Link V2 (audio)", generation: .v2, commandEndpoint: 0x01,
                    replyEndpoint: 0x81),
        STLinkModel(productID: 0x374B, name: "ST-Link V2-1", generation: .v2, commandEndpoint: 0x01,
                    replyEndpoint: 0x81),
        STLinkModel(productID: 0x3752, name: "ST-Link V2-1", generation: .v2, commandEndpoint: 0x01,
                    replyEndpoint: 0x81),
        STLinkModel(productID: 0x374D, name: "STLINK-V3 loader", generation: .v3, commandEndpoint: 0x01,
                    replyEndpoint: 0x81),
        STLinkModel(productID: 0x374E, name: "STLINK-V3E", generation: .v3, commandEndpoint: 0x01,
                    replyEndpoint: 0x81),
        STLinkModel(productID: 0x374F, name: "STLINK-V3S/SET", generation: .v3, commandEndpoint: 0x01,
                    replyEndpoint: 0x81),
        STLinkModel(productID: 0x3753, name: "STLINK-V3 2VCP", generation: .v3, commandEndpoint: 0x01,
                    replyEndpoint: 0x81),
        STLinkModel(productID: 0x3754, name: "STLINK-V3E no MSD", generation: .v3, commandEndpoint: 0x01,
                    replyEndpoint: 0x81),
    ]

    public static func model(vendorID: UInt16, productID: UInt16) -> STLinkModel? {
        guard vendorID == Self.vendorID else { return nil }
        return all.first { $0.productID == productID }
    }
}
