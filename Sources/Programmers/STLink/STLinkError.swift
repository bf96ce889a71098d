import BoardCatalog
import Foundation
import USB

/// Why an ST-Link operation failed: what was asked, the value that caused it, and what to do.
public enum STLinkError: Error, CustomStringConvertible, Equatable {
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
    /// The core did not halt (or did not reach its breakpoint) in time.
    case haltTimeout(operation: String, dhcsr: UInt32)
    /// The core locked up or faulted while running a routine atelier loaded.
    case loaderFailed(operation: String, address: UInt32, detail: String)
    /// The chip on the wire is not the board's chip.
    case wrongChip(board: String, expected: String, found: String)
    /// The flash controller reported an error; `errors` names the status register's error bits.
    case flashError(operation: String, address: UInt32, status: UInt32, errors: [String])
    /// An argument atelier cannot use: unaligned, too long.
    case invalidRequest(String)
    /// The board's chip has a flash controller this driver does not know.
    case unsupportedFlashController(String)

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
        case .haltTimeout(let operation, let dhcsr):
            return "\(operation): the core did not halt (DHCSR \(hex(UInt64(dhcsr)))); try connect-under-reset or "
                + "power-cycle the board"
        case .loaderFailed(let operation, let address, let detail):
            return "\(operation) at \(hex(UInt64(address))) failed: \(detail)"
        case .wrongChip(let board, let expected, let found):
            return "the chip on the wire is not \(board): expected \(expected), found \(found). Pick the right "
                + "--board, or pass --force if you are sure"
        case .flashError(let operation, let address, let status, let errors):
            let bits = errors.isEmpty ? "no error bit" : errors.joined(separator: ", ")
            return "\(operation) at \(hex(UInt64(address))) failed: the flash controller's status register reads "
                + "\(hex(UInt64(status))) (\(bits)); the sector may be write-protected (check the option bytes)"
        case .invalidRequest(let text):
            return text
        case .unsupportedFlashController(let name):
            return "atelier cannot program a '\(name)' flash controller over ST-Link yet (it can: stm32f1, stm32f4)"
        }
    }

    private static func swdFailure(_ code: UInt8) -> Bool {
        [0x09, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x1D].contains(code)
    }
}
