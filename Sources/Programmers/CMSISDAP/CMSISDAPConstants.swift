/// CMSIS-DAP wire constants in the order of ARM's command reference (reference/cmsis-dap.md section 2). Every
/// multi-byte field is little-endian; a response starts with the command's ID.
public enum DAPCommandID: UInt8, Sendable {
    case info = 0x00
    case hostStatus = 0x01
    case connect = 0x02
    case disconnect = 0x03
    case transferConfigure = 0x04
    case transfer = 0x05
    case transferBlock = 0x06
    case writeABORT = 0x08
    case delay = 0x09
    case resetTarget = 0x0A
    case swjPins = 0x10
    case swjClock = 0x11
    case swjSequence = 0x12
    case swdConfigure = 0x13
}

/// DAP_Info IDs (cmsis-dap.md section 3).
public enum DAPInfoID: UInt8, Sendable {
    case vendor = 0x01, product = 0x02, serial = 0x03, protocolVersion = 0x04
    case capabilities = 0xF0, packetCount = 0xFE, packetSize = 0xFF
}

/// The status byte of simple responses; firmware answers a command it does not implement with a lone 0xFF.
enum DAPStatus {
    static let ok: UInt8 = 0x00
    static let error: UInt8 = 0xFF
}

/// The last ACK in a DAP_Transfer / DAP_TransferBlock response byte, bits 2:0, plus its error bits
/// (cmsis-dap.md section 4).
public enum DAPAck: UInt8, Sendable, CustomStringConvertible {
    case ok = 1, wait = 2, fault = 4, noAck = 7

    /// Bit 3: SWD protocol (parity) error; bit 4: a match read gave up.
    static let protocolError: UInt8 = 1 << 3
    static let mismatch: UInt8 = 1 << 4

    public var description: String {
        switch self {
        case .ok: "OK"
        case .wait: "WAIT"
        case .fault: "FAULT"
        case .noAck: "no ACK"
        }
    }

    /// How messages name a raw response byte.
    static func describe(_ response: UInt8) -> String {
        var text = DAPAck(rawValue: response & 7)?.description ?? "ACK \(response & 7)"
        if response & protocolError != 0 { text += ", SWD parity error" }
        if response & mismatch != 0 { text += ", value mismatch" }
        return text
    }
}

/// DP and AP registers as DAP_Transfer addresses them: APnDP and A[3:2] (adiv5-cortexm-debug.md sections 2 and 3).
/// AP registers above 0x0C need SELECT.APBANKSEL, which `bank` gives.
public struct DAPRegister: Sendable, Equatable {
    public var accessPort: Bool
    /// The full register offset; A[3:2] go into the request, bits 7:4 into SELECT for an AP register.
    public var offset: UInt8

    public var bank: UInt8 { offset & 0xF0 }

    public static let dpIDR = DAPRegister(accessPort: false, offset: 0x0)
    public static let abort = DAPRegister(accessPort: false, offset: 0x0)
    public static let ctrlStat = DAPRegister(accessPort: false, offset: 0x4)
    public static let select = DAPRegister(accessPort: false, offset: 0x8)
    public static let rdbuff = DAPRegister(accessPort: false, offset: 0xC)
    public static let csw = DAPRegister(accessPort: true, offset: 0x00)
    public static let tar = DAPRegister(accessPort: true, offset: 0x04)
    public static let drw = DAPRegister(accessPort: true, offset: 0x0C)
    public static let idr = DAPRegister(accessPort: true, offset: 0xFC)
}

/// ADIv5 values the driver writes (adiv5-cortexm-debug.md sections 2 and 3).
public enum ADIv5 {
    /// ABORT: STKCMPCLR | STKERRCLR | WDERRCLR | ORUNERRCLR, what OpenOCD writes after connect and after a FAULT.
    public static let clearStickyErrors: UInt32 = 0x1E
    /// ABORT.DAPABORT: ends an AP transaction that keeps answering WAIT.
    public static let dapAbort: UInt32 = 0x01
    /// CTRL/STAT: CDBGPWRUPREQ | CSYSPWRUPREQ, and the two ACK bits that must follow.
    public static let powerUpRequest: UInt32 = 0x5000_0000
    public static let powerUpAcknowledge: UInt32 = 0xA000_0000
    /// CSW for 32-bit and 8-bit transfers with single auto-increment: DbgSwEnable | MasterType debug | HPROT1,
    /// OpenOCD's default for an AHB-AP.
    public static let cswWord: UInt32 = 0xA200_0012
    public static let cswByte: UInt32 = 0xA200_0010
    /// TAR auto-increment is only guaranteed within a 1 KiB block (ADIv5); transfers are split there.
    public static let autoIncrementBlock: UInt32 = 1024
    /// The JTAG-to-SWD switch OpenOCD sends: 56 ones, 0xE79E LSB first, 56 ones, 8 idle zeros (136 bits).
    public static let jtagToSWD: [UInt8] = [UInt8](repeating: 0xFF, count: 7) + [0x9E, 0xE7]
        + [UInt8](repeating: 0xFF, count: 7) + [0x00]
}
