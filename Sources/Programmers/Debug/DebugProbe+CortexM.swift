/// Cortex-M run control and core registers through the debug registers (adiv5-cortexm-debug.md section 5), written
/// once for every probe: DHCSR for halt/run/step, DCRSR/DCRDR for core registers, DEMCR and AIRCR for reset.
extension DebugProbe {
    public func debugStatus() throws -> UInt32 { try read32(CortexM.dhcsr) }

    /// A core register through DCRSR/DCRDR; the core must be halted.
    public func readCoreRegister(_ register: CortexMRegister) throws -> UInt32 {
        try write32(CortexM.dcrsr, UInt32(register.rawValue))
        try waitForRegisterTransfer(register)
        return try read32(CortexM.dcrdr)
    }

    public func writeCoreRegister(_ register: CortexMRegister, _ value: UInt32) throws {
        try write32(CortexM.dcrdr, value)
        try write32(CortexM.dcrsr, CortexM.registerWrite | UInt32(register.rawValue))
        try waitForRegisterTransfer(register)
    }

    /// S_REGRDY is set again once the core has moved the register; a few polls at most on a halted core.
    private func waitForRegisterTransfer(_ register: CortexMRegister) throws {
        for _ in 0..<100 {
            if try read32(CortexM.dhcsr) & CortexM.sRegReady != 0 { return }
        }
        throw DebugError.haltTimeout(operation: "core register \(register) transfer", dhcsr: try read32(CortexM.dhcsr))
    }

    public func halt() throws {
        try write32(CortexM.dhcsr, CortexM.debugKey | CortexM.cHalt | CortexM.cDebugEn)
        try waitForHalt(timeout: .milliseconds(500), operation: "halt")
    }

    /// Resumes the core; with `maskInterrupts` no interrupt runs (for routines atelier loads into RAM).
    public func run(maskInterrupts: Bool = false) throws {
        let mask = maskInterrupts ? CortexM.cMaskInts : 0
        try write32(CortexM.dhcsr, CortexM.debugKey | CortexM.cDebugEn | mask)
    }

    /// One instruction with interrupts masked: the three DHCSR writes both peers use.
    public func step() throws {
        let base = CortexM.debugKey | CortexM.cDebugEn
        try write32(CortexM.dhcsr, base | CortexM.cHalt | CortexM.cMaskInts)
        try write32(CortexM.dhcsr, base | CortexM.cStep | CortexM.cMaskInts)
        try write32(CortexM.dhcsr, base | CortexM.cHalt)
    }

    public func isHalted() throws -> Bool {
        try read32(CortexM.dhcsr) & CortexM.sHalt != 0
    }

    /// Polls DHCSR until S_HALT; throws `haltTimeout` with the last DHCSR value.
    @discardableResult
    public func waitForHalt(timeout: Duration, operation: String, maximumPause: Duration = .milliseconds(10))
        throws -> UInt32
    {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var pause = Duration.microseconds(100)
        while true {
            let dhcsr = try read32(CortexM.dhcsr)
            if dhcsr & CortexM.sHalt != 0 { return dhcsr }
            if clock.now >= deadline { throw DebugError.haltTimeout(operation: operation, dhcsr: dhcsr) }
            sleep(pause)
            pause = min(pause * 2, maximumPause)
        }
    }

    /// A system reset through AIRCR.SYSRESETREQ; with `halt`, the core stops on its reset vector (VC_CORERESET).
    public func reset(halt: Bool) throws {
        try write32(CortexM.dhcsr, CortexM.debugKey | CortexM.cDebugEn | (halt ? CortexM.cHalt : 0))
        try write32(CortexM.demcr, CortexM.trcEna | (halt ? CortexM.vcCoreReset : 0))
        try write32(CortexM.aircr, CortexM.sysResetRequest)
        sleep(.milliseconds(2))
        if halt {
            try waitForHalt(timeout: .milliseconds(500), operation: "reset and halt")
            try write32(CortexM.demcr, CortexM.trcEna)
        }
        // Reading DHCSR clears the sticky S_RESET_ST, so the next reset is seen afresh.
        _ = try read32(CortexM.dhcsr)
    }

    /// Leaves the core running without the debugger: DHCSR cleared (C_DEBUGEN off), as stlink-org and OpenOCD do.
    public func releaseCore() throws {
        try write32(CortexM.dhcsr, CortexM.debugKey)
    }

    /// Runs a routine loaded in RAM with interrupts masked until its BKPT, and checks that it stopped there. The
    /// routine finds its parameters by itself, so only PC is set; with `checkPC: false` the caller trusts results
    /// the routine overwrites instead of reading PC back.
    public func runRoutine(_ entry: UInt32, length: Int, operation: String, at address: UInt32, timeout: Duration,
                           checkPC: Bool = true) throws {
        try writeCoreRegister(.pc, entry)
        try run(maskInterrupts: true)
        let dhcsr: UInt32
        do {
            dhcsr = try waitForHalt(timeout: timeout, operation: operation, maximumPause: .milliseconds(1))
        } catch {
            try? halt()
            throw DebugError.loaderFailed(operation: operation, address: address,
                                          detail: "the routine atelier ran in RAM did not finish in time; "
                                              + "power-cycle the board and retry")
        }
        let pc = checkPC ? try readCoreRegister(.pc) : entry
        guard dhcsr & CortexM.sLockup == 0, pc >= entry, pc < entry + UInt32(length) else {
            throw DebugError.loaderFailed(operation: operation, address: address,
                                          detail: "the routine stopped at \(hexWord(pc)) instead of its breakpoint "
                                              + "(DHCSR \(hexWord(dhcsr))); is the board's RAM where its chip file "
                                              + "says?")
        }
    }
}
