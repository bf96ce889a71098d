import BoardCatalog
import Foundation
import USB

/// Why an ST-Link operation failed: what was asked, the value that caused it, and what to do.
public enum STLinkError: DebugProbeError, CustomStringConvertible, Equatable {
    /// The USB exchange itself failed (unplugged, timeout, stall).
    case usb(USBError)
    /// A reply was shorter than the command's fixed reply length.
    case shortReply(command: String, expected: Int, got: Int)
    /// The probe answered a command with a status other than OK.
    case status(command: String, code: UInt8)
    /// The probe is in a mode it could not be brought out of.
    case wrongMode(STLinkMode, wanted: STLinkMode)
    /// The probe's firmware is too old for what atelier needs.
    case firmwareTooOld(version: String, needs: String)
    /// The target answers with an all-zero or all-ones DP IDCODE: nothing is on the wire.
    case noTarget(idcode: UInt32)
    /// The target's voltage is below what SWD needs.
    case targetUnpowered(volts: Double)
    /// A memory access failed on the target's bus.
    case memoryFault(address: UInt32, count: Int, status: UInt8)
    /// An argument atelier cannot use: unaligned, too long.
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .usb(let error):
            return error.description
        case .shortReply(let command, let expected, let got):
            return "the ST-Link answered \(command) with \(got) bytes instead of \(expected); replug the probe "
                + "and retry"
        case .status(let command, let code):
            let name = STLinkStatus(rawValue: code)?.description ?? "unknown status"
            return "the ST-Link refused \(command) with \(name) (\(hex(UInt64(code), width: 2)))"
                + (Self.swdFailure(code) ? ": the target does not answer over SWD; check wiring, power and that the "
                    + "firmware does not disable the SWD pins (try connect-under-reset)" : "")
        case .wrongMode(let mode, let wanted):
            return "the ST-Link stayed in \(mode) mode instead of \(wanted); replug it, and close other programs "
                + "(st-util, openocd, STM32CubeProgrammer) that may hold it"
        case .firmwareTooOld(let version, let needs):
            return "the ST-Link firmware \(version) is too old: atelier needs \(needs); update it with ST's "
                + "STLinkUpgrade tool"
        case .noTarget(let idcode):
            return "the target does not answer over SWD (DP IDCODE \(hex(UInt64(idcode)))): check wiring "
                + "(SWDIO, SWCLK, GND) and power"
        case .targetUnpowered(let volts):
            return "the target voltage is \(String(format: "%.2f", volts)) V: power the board (SWD needs 1.6 V "
                + "or more) and check the VCC/VAPP pin of the probe"
        case .memoryFault(let address, let count, let status):
            let name = STLinkStatus(rawValue: status)?.description ?? hex(UInt64(status), width: 2)
            return "access to \(count) bytes at \(hex(UInt64(address))) failed on the target bus (\(name)): the "
                + "address may not be mapped on this chip, or the chip is read-protected"
        case .invalidRequest(let text):
            return text
        }
    }

    public var isMemoryFault: Bool {
        if case .memoryFault = self { return true }
        return false
    }

    private static func swdFailure(_ code: UInt8) -> Bool {
        [0x09, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x1D].contains(code)
    }
}
