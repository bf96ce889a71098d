import BoardCatalog
import Flash
import USB

/// Why a CMSIS-DAP operation failed: what was asked, the value that caused it, and what to do.
public enum CMSISDAPError: DebugProbeError, CustomStringConvertible, Equatable {
    /// The USB exchange itself failed (unplugged, timeout, stall).
    case usb(USBError)
    /// The probe speaks CMSIS-DAP v1 over HID reports, which atelier does not drive.
    case hidUnsupported(probe: String)
    /// The device has no vendor interface with a bulk OUT then a bulk IN endpoint.
    case noInterface(probe: String)
    /// The probe answered a command with DAP_ERROR, or does not implement it.
    case commandFailed(command: String, status: UInt8)
    /// A response that does not fit its command: wrong ID, too short.
    case malformedResponse(command: String, detail: String)
    /// A DAP_Transfer or DAP_TransferBlock stopped before its end: `response` holds the last ACK and error bits.
    case transferFailed(command: String, response: UInt8, done: Int)
    /// The target answers with an all-zero or all-ones DP IDCODE: nothing is on the wire.
    case noTarget(idcode: UInt32)
    /// CTRL/STAT never acknowledged the debug and system power-up requests.
    case powerUpFailed(ctrlStat: UInt32)
    /// A memory access failed on the target's bus (FAULT, sticky error).
    case memoryFault(address: UInt32, count: Int, response: UInt8)
    /// An argument atelier cannot use.
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .usb(let error):
            return error.description
        case .hidUnsupported(let probe):
            return "\(probe) is a CMSIS-DAP v1 (HID) probe; atelier drives CMSIS-DAP v2 (USB bulk) only: update "
                + "the probe to a v2 firmware (DAPLink 0254 or later, or the vendor's CMSIS-DAP v2 build)"
        case .noInterface(let probe):
            return "\(probe) has no CMSIS-DAP v2 interface (a vendor interface with a bulk OUT then a bulk IN "
                + "endpoint); replug it, or update its firmware"
        case .commandFailed(let command, let status):
            return status == DAPStatus.error
                ? "the CMSIS-DAP probe refused \(command) (DAP_ERROR or not implemented); update its firmware"
                : "the CMSIS-DAP probe answered \(command) with status \(hex(UInt64(status), width: 2))"
        case .malformedResponse(let command, let detail):
            return "the CMSIS-DAP probe answered \(command) with \(detail); replug the probe and retry"
        case .transferFailed(let command, let response, let done):
            let ack = DAPAck.describe(response)
            let hint = response & 7 == DAPAck.noAck.rawValue
                ? ": the target does not answer over SWD; check wiring (SWDIO, SWCLK, GND) and power"
                : response & 7 == DAPAck.wait.rawValue
                    ? ": the target kept the bus busy; power-cycle the board and retry" : ""
            return "\(command) stopped after \(done) transfer(s) with \(ack)\(hint)"
        case .noTarget(let idcode):
            return "the target does not answer over SWD (DP IDCODE \(hex(UInt64(idcode)))): check wiring "
                + "(SWDIO, SWCLK, GND) and power"
        case .powerUpFailed(let ctrlStat):
            return "the target's debug port did not power up (CTRL/STAT \(hex(UInt64(ctrlStat)))); check the "
                + "target's power, or try connect-under-reset"
        case .memoryFault(let address, let count, let response):
            return "access to \(count) bytes at \(hex(UInt64(address))) failed on the target bus "
                + "(\(DAPAck.describe(response))): the address may not be mapped on this chip, or the chip is "
                + "read-protected"
        case .invalidRequest(let text):
            return text
        }
    }

    public var isMemoryFault: Bool {
        if case .memoryFault = self { return true }
        return false
    }
}

extension CMSISDAPError: FlashFailureClassifying {
    public var flashFailureKind: FlashFailureKind {
        switch self {
        case .usb(let error): error.flashFailureKind
        case .memoryFault: .refused
        default: .other
        }
    }
}
