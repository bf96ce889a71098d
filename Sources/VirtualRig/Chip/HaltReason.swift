/// Why the core is halted, as DFSR records it (ARMv7-M C1.6.1) plus the rig's own stops.
public enum HaltReason: Equatable, Sendable, CustomStringConvertible {
    /// DHCSR.C_HALT from a probe (DFSR.HALTED).
    case debugRequest
    /// One instruction stepped with C_STEP (DFSR.HALTED).
    case step
    /// A BKPT instruction with its immediate (DFSR.BKPT); the PC is at the BKPT.
    case breakpoint(UInt8)
    /// BKPT 0xAB left for the probe's semihosting host (DFSR.BKPT); `serveSemihosting()` answers it.
    case semihosting
    /// An FPB comparator matched this instruction address (DFSR.BKPT); the instruction has not executed.
    case hardwareBreakpoint(UInt32)
    /// Reset vector catch, DEMCR.VC_CORERESET (DFSR.VCATCH).
    case vectorCatch
    /// The firmware called semihosting SYS_EXIT with this reason code.
    case exit(UInt32)
    /// The emulator could not go on: an unmapped access, an undefined instruction, an exception it cannot take.
    case fault(String)

    /// The DFSR bits this halt sets.
    var dfsrBits: UInt32 {
        switch self {
        case .debugRequest, .step: return 1 << 0
        case .breakpoint, .hardwareBreakpoint, .semihosting, .exit: return 1 << 1
        case .vectorCatch: return 1 << 3
        case .fault: return 1 << 4
        }
    }

    public var description: String {
        switch self {
        case .debugRequest: return "halted by the debugger"
        case .step: return "stepped one instruction"
        case .breakpoint(let immediate): return "BKPT 0x\(String(immediate, radix: 16))"
        case .hardwareBreakpoint(let address): return "breakpoint at 0x\(String(address, radix: 16))"
        case .semihosting: return "semihosting call (BKPT 0xAB)"
        case .vectorCatch: return "reset vector catch"
        case .exit(let reason): return "semihosting exit 0x\(String(reason, radix: 16))"
        case .fault(let why): return "fault: \(why)"
        }
    }
}

/// Who answers a semihosting call (BKPT 0xAB).
public enum SemihostingPolicy: Sendable {
    /// The rig answers unless a probe has enabled halting debug (DHCSR.C_DEBUGEN); then the core halts with
    /// `.semihosting` for the probe's host (OpenOCD), as real hardware would.
    case whenDebugDisabled
    /// The rig always answers, even with a debugger attached.
    case always
    /// The rig never answers: the core halts (with debug enabled) or stops (without).
    case never
}

/// How a `run(instructions:)` call ended.
public enum RunResult: Equatable, Sendable {
    /// The budget ran out with the core still running.
    case running
    case halted(HaltReason)
}
