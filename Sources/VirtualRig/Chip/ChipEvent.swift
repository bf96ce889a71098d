/// Something the emulated chip did that the outside world can see: console bytes, pin changes, a halt.
public enum ChipEvent: Equatable, Sendable, CustomStringConvertible {
    /// Bytes the firmware wrote to its console (a UART data register or semihosting).
    case console(String)
    /// An output pin changed level, e.g. `PC13` going low.
    case pin(name: String, high: Bool)
    /// A board LED (from the board YAML) turned on or off, after applying its active level.
    case led(name: String, on: Bool)
    /// The firmware asked to stop through semihosting SYS_EXIT, with the reason code (0x20026 = normal exit).
    case exit(reason: UInt32)
    /// The core stopped without a debugger's request (BKPT with debug disabled, fault, lockup).
    case stopped(String)

    public var description: String {
        switch self {
        case .console(let text): return "console: \(text.debugDescription)"
        case .pin(let name, let high): return "pin \(name) \(high ? "high" : "low")"
        case .led(let name, let on): return "led \(name) \(on ? "on" : "off")"
        case .exit(let reason): return "exit 0x\(String(reason, radix: 16))"
        case .stopped(let why): return "stopped: \(why)"
        }
    }
}
