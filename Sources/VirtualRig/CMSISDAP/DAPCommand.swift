/// CMSIS-DAP command IDs (`cmsis-dap.md` section 2; ARM CMSIS-DAP reference, "Commands"), in the spec's order.
enum DAPCommand: UInt8 {
    case info = 0x00
    case hostStatus = 0x01
    case connect = 0x02
    case disconnect = 0x03
    case transferConfigure = 0x04
    case transfer = 0x05
    case transferBlock = 0x06
    /// Answered by nothing: it cancels a transfer still running, and ours never are.
    case transferAbort = 0x07
    case writeABORT = 0x08
    case delay = 0x09
    case resetTarget = 0x0A
    case swjPins = 0x10
    case swjClock = 0x11
    case swjSequence = 0x12
    case swdConfigure = 0x13
    case swdSequence = 0x1D

    /// The reply's first byte for a command the firmware does not implement (JTAG, SWO, UART, vendor).
    static let unknown: UInt8 = 0xFF
}

/// The status byte of most replies (`cmsis-dap.md` section 3).
enum DAPStatus {
    static let ok: UInt8 = 0x00
    static let error: UInt8 = 0xFF
}

/// DAP_Info IDs (`cmsis-dap.md` section 3, DAP_Info row).
enum DAPInfo: UInt8 {
    case vendor = 0x01
    case product = 0x02
    case serial = 0x03
    case protocolVersion = 0x04
    case targetVendor = 0x05
    case targetName = 0x06
    case boardVendor = 0x07
    case boardName = 0x08
    case firmwareVersion = 0x09
    case capabilities = 0xF0
    case timestampClock = 0xF1
    case uartReceiveBuffer = 0xFB
    case uartTransmitBuffer = 0xFC
    case swoBuffer = 0xFD
    case packetCount = 0xFE
    case packetSize = 0xFF
}

/// DAP_Connect ports: 0 picks the default (SWD here), 1 SWD, 2 JTAG.
enum DAPPort: UInt8 {
    case none = 0
    case swd = 1
    case jtag = 2
}

/// The request byte of each DAP_Transfer entry (`cmsis-dap.md` section 4).
struct DAPTransferRequest {
    let raw: UInt8

    var isAccessPort: Bool { raw & 0x01 != 0 }
    var isRead: Bool { raw & 0x02 != 0 }
    /// A[3:2] as a register offset (0x0, 0x4, 0x8, 0xC).
    var address: UInt8 { raw & 0x0C }
    /// A read repeated until `value & mask == match` (the match value follows in the request).
    var matchValue: Bool { raw & 0x10 != 0 }
    /// A write that loads the match mask instead of a register.
    var matchMask: Bool { raw & 0x20 != 0 }
    /// Asks for a timestamp; the model has no timer (DAP_Info 0xF1 is empty), so firmware built like it ignores it.
    var timestamp: Bool { raw & 0x80 != 0 }

    /// The request that reads DP RDBUFF, with which the firmware collects a posted AP read.
    static let readBuffer = DAPTransferRequest(raw: 0x02 | 0x0C)
}

/// The response byte of DAP_Transfer and DAP_TransferBlock: the last ACK in bits 2:0, plus error flags.
enum DAPTransferResponse {
    static let ok: UInt8 = 0x01
    static let wait: UInt8 = 0x02
    static let fault: UInt8 = 0x04
    static let noAck: UInt8 = 0x07
    /// SWD protocol error (bit 3): used here for a request cut short in the packet.
    static let protocolError: UInt8 = 0x08
    /// A match read gave up (bit 4).
    static let mismatch: UInt8 = 0x10
}
