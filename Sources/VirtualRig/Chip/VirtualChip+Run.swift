import CUnicorn
import Foundation

/// DHCSR bits (ARMv7-M C1.6.2).
enum DHCSR {
    static let key: UInt32 = 0xA05F, debugEnable: UInt32 = 1 << 0, halt: UInt32 = 1 << 1, step: UInt32 = 1 << 2
    static let maskInterrupts: UInt32 = 1 << 3, snapStall: UInt32 = 1 << 5
    static let control = debugEnable | halt | step | maskInterrupts | snapStall
    static let registerReady: UInt32 = 1 << 16, halted: UInt32 = 1 << 17, lockup: UInt32 = 1 << 19
    static let retired: UInt32 = 1 << 24, resetHappened: UInt32 = 1 << 25
}

extension VirtualChip {
    static let vcCoreReset: UInt32 = 1 << 0
    /// Unicorn's exception numbers (qemu target/arm/cpu.h) the core can raise.
    static let exceptionBreakpoint: UInt32 = 7

    /// What Unicorn's other trap numbers mean, for the fault message.
    static func trapName(_ number: UInt32) -> String {
        switch number {
        case 1: return "undefined instruction"
        case 3: return "prefetch abort"
        case 4: return "data abort"
        case 17: return "coprocessor access (NOCP)"
        case 18: return "invalid state (INVSTATE)"
        case 22: return "unaligned access"
        default: return "exception \(number)"
        }
    }

    /// Runs a running core for at most `instructions` instructions; returns at once when halted.
    @discardableResult
    public func run(instructions: Int) -> RunResult {
        lock.withLock {
            var remaining = instructions
            while !halted, remaining > 0 {
                // A slice cut short (semihosting call, exception return) still counts a little, so loops end.
                remaining -= runSlice(min(remaining, 1_000_000)) ?? 64
            }
            return halted ? .halted(currentHaltReason ?? .debugRequest) : .running
        }
    }

    /// Runs until the core halts, `instructions` have run, or `seconds` of wall time have passed, whichever
    /// comes first; for the rig's `--console` capture after a peer tool has left the chip running.
    @discardableResult
    public func run(instructions: Int = Int.max, seconds: Double) -> RunResult {
        let deadline = Date().addingTimeInterval(seconds)
        var remaining = instructions
        while remaining > 0, Date() < deadline {
            let slice = min(remaining, 100_000)
            if case .halted(let reason) = run(instructions: slice) { return .halted(reason) }
            remaining -= slice
        }
        return isHalted ? .halted(currentHaltReason ?? .debugRequest) : .running
    }

    /// What a power-on reset of the debug logic does: halting debug off (C_DEBUGEN, DEMCR cleared) and a halted
    /// core running again. On hardware C_DEBUGEN survives a probe's unplugging; the rig calls this when a probe
    /// model detaches so that BKPT 0xAB goes to the built-in semihosting service instead of halting.
    public func detachDebugger() {
        lock.withLock {
            debugControl = 0
            demcr = 0
            core.setBreakpoints([])
            if halted { resume() }
        }
    }

    /// Halts the core (as DHCSR ← 0xA05F0003 would, without needing C_DEBUGEN).
    public func halt() {
        lock.withLock { if !halted { enterHalt(.debugRequest) } }
    }

    /// Lets a halted core run again from its PC.
    public func resume() {
        lock.withLock {
            applyFlashFixups()
            halted = false
            currentHaltReason = nil
            debugControl &= ~(DHCSR.halt | DHCSR.step)
        }
    }

    /// Executes one instruction on a halted core and halts again.
    public func step() {
        lock.withLock { stepInstruction() }
    }

    /// A system reset (AIRCR.SYSRESETREQ): core and peripherals, not the debug registers. The core then runs,
    /// or halts at the reset vector when a probe enabled DEMCR.VC_CORERESET, or when `halt` is true.
    public func reset(halt: Bool = false) {
        lock.withLock {
            performReset()
            if halt, !halted { enterHalt(.vectorCatch) }
        }
    }

    /// Answers the semihosting call the core is halted on with the rig's own service and steps past the BKPT.
    /// Returns false when the core is not halted on BKPT 0xAB.
    @discardableResult
    public func serveSemihosting() -> Bool {
        lock.withLock {
            guard halted, isSemihostingCall() else { return false }
            halted = false
            currentHaltReason = nil
            serveSemihostingCall()
            return true
        }
    }

    // MARK: Internals

    /// One bounded engine run; returns the instructions it ran, or nil when it stopped before its count (BKPT,
    /// exception return, reset request, fault) and that number is unknown.
    @discardableResult
    func runSlice(_ count: Int) -> Int? {
        flushDirtyCode()
        applyFlashFixups()
        pendingHalt = false
        takePendingException()
        // Stop where SysTick next fires, so each tick's exception is taken on time.
        let count = min(count, Int(clamping: sysTick?.cyclesUntilInterrupt ?? UInt64(count)))
        let error = core.run(count: max(1, count))
        applyFlashFixups()
        retireSticky = true
        var early = false
        if let address = core.breakpointHit {
            early = true
            enterHalt(.hardwareBreakpoint(address))
        } else if let exception = core.exception {
            early = true
            handleException(exception)
        } else if pendingReset || pendingHalt {
            early = true
        } else if error != UC_ERR_OK {
            early = true
            haltOnEngineError(error)
        } else if isSleeping {
            // WFI/WFE stops Unicorn at once: sleep until SysTick fires, or for the whole slice without it.
            let slept = min(UInt64(count), sysTick?.cyclesUntilInterrupt ?? UInt64(count))
            sysTick?.advance(cycles: slept)
            return Int(slept)
        } else {
            sysTick?.advance(cycles: UInt64(count))
        }
        if pendingReset {
            pendingReset = false
            performReset()
        }
        if pendingHalt {
            pendingHalt = false
            if !halted { enterHalt(.debugRequest) }
        }
        return early ? nil : count
    }

    /// Whether the engine stopped right after a WFI or WFE (Thumb 0xBF30, 0xBF20).
    private var isSleeping: Bool {
        let previous = halfWord(at: core.pc &- 2)
        return previous == 0xBF30 || previous == 0xBF20
    }

    func stepInstruction() {
        guard halted else { return }
        halted = false
        currentHaltReason = nil
        flushDirtyCode()
        applyFlashFixups()
        let error = core.run(count: 1)
        applyFlashFixups()
        retireSticky = true
        if let address = core.breakpointHit {
            enterHalt(.hardwareBreakpoint(address))
        } else if let exception = core.exception {
            handleException(exception)
        } else if error != UC_ERR_OK {
            haltOnEngineError(error)
        }
        if pendingReset {
            pendingReset = false
            performReset()
        }
        if !halted { enterHalt(.step) }
    }

    /// An access Unicorn could not complete: a bus fault on hardware, which escalates to HardFault without a
    /// handler model here, so the core stops with the fault status registers telling why (ARMv7-M B3.2.15).
    private func haltOnEngineError(_ error: uc_err) {
        var what = String(cString: cunicorn_strerror(error))
        if let access = core.invalidAccess {
            let kind = access.fetch ? "instruction fetch" : access.write ? "write" : "read"
            what = "bus fault: \(kind) at 0x\(String(access.address, radix: 16))"
            scs?.recordBusFault(address: access.address, fetch: access.fetch)
        }
        let message = "\(what) (pc 0x\(String(core.pc, radix: 16)))"
        enterHalt(.fault(message))
        emit(.stopped(message))
    }

    private func handleException(_ number: UInt32) {
        let pc = core.pc
        if number == Self.trapExceptionExit { return returnFromException() }
        // SVC: Unicorn has already moved the PC past the instruction, which is the return address.
        if number == Self.trapSVC { return enterException(Exception.svCall, returnAddress: pc) }
        guard number == Self.exceptionBreakpoint else {
            // A prefetch abort is an instruction fetch bus fault at the PC (nothing mapped there).
            if number == 3 { scs?.recordBusFault(address: pc, fetch: true) }
            let what = number == 3 ? "bus fault: instruction fetch" : Self.trapName(number)
            enterHalt(.fault("\(what) at pc 0x\(String(pc, radix: 16))"))
            emit(.stopped("\(what) at pc 0x\(String(pc, radix: 16))"))
            return
        }
        let immediate = UInt8(truncatingIfNeeded: halfWord(at: pc))
        let debugEnabled = debugControl & DHCSR.debugEnable != 0
        if immediate == 0xAB {
            switch semihosting {
            case .always: return serveSemihostingCall()
            case .whenDebugDisabled where !debugEnabled: return serveSemihostingCall()
            default: return enterHalt(.semihosting)
            }
        }
        // Without a debugger a BKPT escalates to HardFault on hardware; the rig halts so the stop is visible.
        if !debugEnabled { emit(.stopped("BKPT 0x\(String(immediate, radix: 16)) at pc 0x\(String(pc, radix: 16))")) }
        enterHalt(.breakpoint(immediate))
    }

    private func isSemihostingCall() -> Bool {
        halfWord(at: core.pc) == 0xBEAB
    }

    private func halfWord(at address: UInt32) -> UInt16 {
        let bytes = core.readMemory(address, count: 2) ?? [0, 0]
        return UInt16(bytes[0]) | UInt16(bytes[1]) << 8
    }

    /// Serves BKPT 0xAB at the PC with the built-in host and moves past it (the host's job: PC += 2).
    private func serveSemihostingCall() {
        let service = Semihosting(
            readWord: { [unowned self] address in
                core.readMemory(address, count: 4).map { $0.reversed().reduce(0) { $0 << 8 | UInt32($1) } }
            },
            readBytes: { [unowned self] address, count in core.readMemory(address, count: count) },
            writeWord: { [unowned self] address, value in
                core.writeMemory(address, (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
            },
            centiseconds: { [unowned self] in UInt32(truncatingIfNeeded: clock.microseconds / 10_000) })
        let outcome = service.serve(operation: core.read(UC_ARM_REG_R0), parameter: core.read(UC_ARM_REG_R1))
        emitConsole(outcome.output)
        if let result = outcome.result { core.write(UC_ARM_REG_R0, result) }
        core.pc = core.pc + 2
        if let reason = outcome.exit {
            emit(.exit(reason: reason))
            enterHalt(.exit(reason))
        }
    }

    func enterHalt(_ reason: HaltReason) {
        halted = true
        currentHaltReason = reason
        dfsr |= reason.dfsrBits
    }

    /// AIRCR asked for a reset: at once from a probe, after the engine stops when the firmware asked.
    func requestReset() {
        if coreAccess {
            pendingReset = true
            core.stop()
        } else {
            performReset()
        }
    }

    func performReset() {
        applyFlashFixups()
        flashFixups.removeAll()
        core.resetRegisters()
        devices.resetAll()
        pendingExceptions.removeAll()
        // The vector table of the boot memory: flash (aliased at 0 on STM32, ARMv7-M B1.5.5).
        let boot = flash.start
        let stack = flash.value(at: boot, width: 4)
        let entry = flash.value(at: boot + 4, width: 4)
        core.write(UC_ARM_REG_MSP, stack & ~3)
        core.write(UC_ARM_REG_SP, stack & ~3)
        core.write(UC_ARM_REG_LR, 0xFFFF_FFFF)
        core.pc = entry
        core.write(UC_ARM_REG_XPSR, 0x0100_0000)
        resetSticky = true
        if debugControl & DHCSR.debugEnable != 0, demcr & Self.vcCoreReset != 0 {
            enterHalt(.vectorCatch)
        } else {
            halted = false
            currentHaltReason = nil
            debugControl &= ~(DHCSR.halt | DHCSR.step)
        }
    }

    /// While the core runs, a probe's access first lets it run a slice: time passes between probe transactions.
    /// Whether a probe sent a batch of debug accesses in the last two milliseconds. A probe in the middle of a
    /// stream of packets drives the core itself (a slice per batch); a `ChipRunner` slice in between would only
    /// make every packet wait for it.
    public var isServingProbe: Bool {
        lock.withLock {
            guard let last = lastDebugBatch else { return false }
            return ProcessInfo.processInfo.systemUptime - last < 0.002
        }
    }

    func advanceIfRunning() {
        if !halted, !inDebugBatch { runSlice(debugSlice) }
    }

    /// Runs `body`, a batch of debug accesses a probe makes in one go (a CMSIS-DAP packet of AP transfers), with a
    /// running core advanced once before it, by `batchSlice` instructions, rather than by `debugSlice` before each
    /// access: on hardware the whole packet takes the bus for microseconds, not a slice of instructions per word.
    /// The slice is small because a probe streams hundreds of packets a second, and a loader that polls a
    /// peripheral in its wait loop costs far more to emulate than to run.
    public func debugBatch<T>(_ body: () throws -> T) rethrows -> T {
        try lock.withLock {
            if !halted, !inDebugBatch { runSlice(batchSlice) }
            lastDebugBatch = ProcessInfo.processInfo.systemUptime
            let outer = inDebugBatch
            inDebugBatch = true
            defer { inDebugBatch = outer }
            return try body()
        }
    }

    func flushDirtyCode() {
        guard !dirtyCodePages.isEmpty else { return }
        for page in dirtyCodePages { core.invalidateCode(page..<(page &+ CortexMCore.pageSize)) }
        dirtyCodePages.removeAll()
    }

    // MARK: DHCSR, DCRSR

    func readDHCSR() -> UInt32 {
        var value = debugControl & DHCSR.control | DHCSR.registerReady
        // C_HALT reads 1 whenever the core is halted, whatever halted it (stlink-tools polls C_HALT).
        if halted { value |= DHCSR.halt | DHCSR.halted }
        if case .fault = currentHaltReason { value |= DHCSR.lockup }
        if retireSticky { value |= DHCSR.retired }
        if resetSticky { value |= DHCSR.resetHappened }
        // S_RETIRE_ST and S_RESET_ST are cleared by reading DHCSR.
        retireSticky = false
        resetSticky = false
        return value
    }

    func writeDHCSR(_ value: UInt32) {
        // Writes without DBGKEY in [31:16] are ignored.
        guard value >> 16 == DHCSR.key else { return }
        debugControl = value & DHCSR.control
        guard debugControl & DHCSR.debugEnable != 0 else {
            if halted { resume() }
            return
        }
        if debugControl & DHCSR.halt != 0 {
            if !halted { enterHalt(.debugRequest) }
        } else if halted {
            if debugControl & DHCSR.step != 0 { stepInstruction() } else { resume() }
        }
    }

    /// DCRSR: REGSEL in [6:0], REGWnR in bit 16; the transfer completes at once (S_REGRDY stays 1).
    func transferCoreRegister(_ value: UInt32) {
        let selector = value & 0x7F
        if value & (1 << 16) != 0 {
            try? writeRegister(selector, dcrdr)
        } else if let read = try? readRegister(selector) {
            dcrdr = read
        }
    }
}
