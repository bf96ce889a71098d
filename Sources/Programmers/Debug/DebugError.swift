import BoardCatalog

/// Why an operation of the shared Cortex-M layer failed, whatever the probe: the core, the chip or its flash
/// controller said no. Probe and wire failures stay in the driver's own error (`STLinkError`, `CMSISDAPError`).
public enum DebugError: Error, CustomStringConvertible, Equatable {
    /// The core did not halt (or did not finish a register transfer) in time.
    case haltTimeout(operation: String, dhcsr: UInt32)
    /// The core locked up, faulted or stayed busy while running a routine or a flash operation atelier started.
    case loaderFailed(operation: String, address: UInt32, detail: String)
    /// The chip on the wire is not the board's chip.
    case wrongChip(board: String, expected: String, found: String)
    /// The flash controller reported an error; `errors` names the status register's error bits.
    case flashError(operation: String, address: UInt32, status: UInt32, errors: [String])
    /// An argument atelier cannot use: unaligned, beyond 32 bits.
    case invalidRequest(String)
    /// The board's chip has a flash controller atelier does not know.
    case unsupportedFlashController(String)

    public var description: String {
        switch self {
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
            return "atelier cannot program a '\(name)' flash controller through a debug probe yet (it can: "
                + "stm32f1, stm32f4, nrf52)"
        }
    }
}
