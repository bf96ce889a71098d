/// What can go wrong while building or driving an emulated chip.
public enum ChipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The chip's core is not one the emulator runs (only ARM Cortex-M cores are).
    case unsupportedCore(String)
    /// The chip file has no flash region, so there is nothing to boot from.
    case noFlash(chip: String)
    /// Unicorn refused an operation; `code` is its `uc_err`.
    case engine(operation: String, code: Int, message: String)
    /// A register number that DCRSR does not define (ARMv7-M C1.6.3).
    case unknownRegister(UInt32)
    /// The core must be halted for this debug operation.
    case notHalted
    /// A debug access hit an address nothing answers, or a peripheral refused it.
    case busFault(address: UInt32)

    public var description: String {
        switch self {
        case .unsupportedCore(let core):
            return "the emulator runs ARM Cortex-M cores only, not '\(core)'"
        case .noFlash(let chip):
            return "chip '\(chip)' has no flash region in its YAML, so there is nothing to boot from"
        case .engine(let operation, let code, let message):
            return "unicorn failed to \(operation): \(message) (uc_err \(code))"
        case .unknownRegister(let number):
            return "core register 0x\(String(number, radix: 16)) is not a DCRSR register selector"
        case .notHalted:
            return "the core is running; halt it first (DHCSR C_HALT)"
        case .busFault(let address):
            return "bus fault at 0x\(String(format: "%08X", address)): no memory or peripheral answers there"
        }
    }
}
