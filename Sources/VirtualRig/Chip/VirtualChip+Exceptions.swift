import CUnicorn

/// The little of the ARMv7-M exception model (B1.5) the rig needs for firmware that uses SysTick, SVC and PendSV:
/// exception entry pushes the basic frame and jumps through the vector table, exception return (BX to an
/// EXC_RETURN value, which Unicorn reports as an exception-exit trap) pops it. There is no NVIC: no external
/// interrupts, no priorities or nesting (an exception is taken in thread mode only), no FP context frames.
extension VirtualChip {
    /// Exception numbers (ARMv7-M B1.5.2).
    enum Exception {
        static let svCall: UInt32 = 11, pendSV: UInt32 = 14, sysTick: UInt32 = 15
    }

    /// Unicorn's trap numbers for SVC and exception return (qemu target/arm/cpu.h EXCP_SWI, EXCP_EXCEPTION_EXIT).
    static let trapSVC: UInt32 = 2, trapExceptionExit: UInt32 = 8

    /// The exception number being handled (IPSR), 0 in thread mode.
    var activeException: UInt32 { core.read(UC_ARM_REG_IPSR) & 0x1FF }

    /// Marks an exception pending; it is taken between engine runs, so a running core is stopped to take it.
    func pend(_ exception: UInt32) {
        pendingExceptions.insert(exception)
        if coreAccess { core.stop() }
    }

    /// Whether a pending exception may be taken now: thread mode on the main stack, PRIMASK clear, and no
    /// debugger masking interrupts (DHCSR.C_MASKINTS).
    private var canTakeException: Bool {
        let inThread = activeException == 0
        let mainStack = core.read(UC_ARM_REG_CONTROL) & 0x2 == 0
        let unmasked = core.read(UC_ARM_REG_PRIMASK) & 1 == 0 && debugControl & DHCSR.maskInterrupts == 0
        return inThread && mainStack && unmasked
    }

    /// Takes the highest-priority pending exception (lowest number at equal priority), if it can be taken.
    func takePendingException() {
        guard !halted, let number = pendingExceptions.min(), canTakeException else { return }
        pendingExceptions.remove(number)
        enterException(number, returnAddress: core.pc)
    }

    func enterException(_ number: UInt32, returnAddress: UInt32) {
        let registers: [UInt32] = [UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R12,
                                   UC_ARM_REG_LR].map { core.read($0) }
        var stackedPSR = core.read(UC_ARM_REG_XPSR) | 0x0100_0000
        var sp = core.read(UC_ARM_REG_SP) &- 32
        // The frame is 8-byte aligned; bit 9 of the stacked xPSR records the padding (CCR.STKALIGN).
        if sp & 4 != 0 {
            sp &-= 4
            stackedPSR |= 1 << 9
        }
        let frame = registers + [returnAddress, stackedPSR]
        core.writeMemory(sp, frame.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } })
        core.write(UC_ARM_REG_SP, sp)
        core.write(UC_ARM_REG_LR, 0xFFFF_FFF9)
        core.write(UC_ARM_REG_IPSR, number)
        // VTOR 0 is the boot alias of flash on STM32.
        let table = (scs?.vtor ?? 0) == 0 ? flash.start : (scs?.vtor ?? 0)
        core.pc = (try? busReadWord(table &+ number * 4)) ?? 0
    }

    /// Pops the basic frame after an exception-exit trap and continues at the stacked return address.
    func returnFromException() {
        var sp = core.read(UC_ARM_REG_SP)
        guard let bytes = core.readMemory(sp, count: 32) else {
            return enterHalt(.fault("exception return with an unreadable stack at 0x\(String(sp, radix: 16))"))
        }
        let frame = (0..<8).map { index in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[index * 4 + $1]) << (8 * UInt32($1)) }
        }
        for (register, value) in zip([UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R12,
                                      UC_ARM_REG_LR], frame) {
            core.write(register, value)
        }
        sp &+= frame[7] & (1 << 9) != 0 ? 36 : 32
        core.write(UC_ARM_REG_SP, sp)
        core.write(UC_ARM_REG_IPSR, frame[7] & 0x1FF)
        core.write(UC_ARM_REG_XPSR, frame[7] & ~(1 << 9) | 0x0100_0000)
        core.pc = frame[6]
    }

    private func busReadWord(_ address: UInt32) throws -> UInt32 {
        guard let value = busRead(address, width: 4) else { throw ChipError.busFault(address: address) }
        return value
    }
}
