import Testing

@testable import VirtualRig

@Suite struct ExceptionTests {
    @Test func sysTickInterruptDrivesABlinky() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.compileC("""
            #include <stdint.h>
            #define REG(a) (*(volatile uint32_t *)(a))
            static volatile uint32_t ticks;
            void systick_handler(void) { ticks++; }
            static void delay(uint32_t n) { uint32_t start = ticks; while (ticks - start < n) {} }
            void reset_handler(void) {
                REG(0x40021018) |= 1u << 4;
                REG(0xE000E014) = 72000 - 1;            /* 1 ms at 72 MHz */
                REG(0xE000E018) = 0;
                REG(0xE000E010) = 7;                    /* enable, TICKINT, processor clock */
                for (;;) { REG(0x4001100C) ^= 1u << 13; delay(5); }
            }
            void default_handler(void) { for (;;) {} }
            __attribute__((section(".vectors"), used))
            const void *vectors[16] = {
                (void *)0x20005000, reset_handler, default_handler, default_handler,
                [15] = systick_handler,
            };
            """)
        chip.flash.replace(with: program)
        chip.reset()
        #expect(chip.run(instructions: 3_000_000) == .running)
        let toggles = chip.events.filter { if case .pin("PC13", _) = $0 { return true } else { return false } }
        // 3M instructions at about one cycle each is ~42 ms: 8 toggles at 5 ms, give or take the loop overhead.
        let pc = try chip.readCoreRegister(15), psr = try chip.readCoreRegister(16)
        let tick = try chip.read32(0xE000_E010), value = try chip.read32(0xE000_E018)
        #expect(toggles.count >= 4, "\(chip.events.suffix(3)) pc \(pc) psr \(psr) systick \(tick) \(value)")
        #expect(toggles.count <= 10)
    }

    @Test func svcEntersItsHandlerAndReturns() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble("""
            .section .vectors
            .word 0x20005000
            .word _start + 1
            .rept 9
            .word 0
            .endr
            .word svc_handler + 1          @ vector 11: SVCall
            .text
            .thumb_func
            _start:
                movs r0, #1
                movs r4, #0
                svc #0
                adds r4, #1                @ runs once, after the handler
                bkpt #0
            .thumb_func
            svc_handler:
                mrs r5, ipsr
                movs r0, #42               @ clobbered: r0 is restored from the frame
                movs r6, #7
                bx lr
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.reset()
        #expect(chip.run(instructions: 1_000) == .halted(.breakpoint(0)))
        #expect(try chip.readCoreRegister(5) == 11)
        #expect(try chip.readCoreRegister(6) == 7)
        #expect(try chip.readCoreRegister(0) == 1)
        #expect(try chip.readCoreRegister(4) == 1)
        #expect(try chip.readCoreRegister(13) == 0x2000_5000)
        #expect(try chip.readCoreRegister(16) & 0x1FF == 0)
    }

    @Test func fpbComparatorHaltsBeforeTheInstruction() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_5000) + """
            _start:
                movs r0, #0
            1:  adds r0, #1
                cmp r0, #100
                bne 1b
                movs r1, #5                @ at 0x08000010
                bkpt #0
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.reset(halt: true)
        try chip.write32(0xE000_EDF0, 0xA05F_0003)
        try chip.write32(0xE000_2000, 0x3)                       // FP_CTRL: KEY | ENABLE
        try chip.write32(0xE000_2008, 0x4000_0000 | 0x0800_0010 | 1)  // lower half-word of 0x08000010
        try chip.write32(0xE000_EDF0, 0xA05F_0001)
        #expect(chip.run(instructions: 10_000) == .halted(.hardwareBreakpoint(0x0800_0010)))
        #expect(try chip.readCoreRegister(15) == 0x0800_0010)
        #expect(try chip.readCoreRegister(0) == 100)
        #expect(try chip.readCoreRegister(1) == 0)
        #expect(try chip.read32(0xE000_ED30) & 0x2 != 0)
        // Disable the comparator, then resume past it.
        try chip.write32(0xE000_2008, 0)
        try chip.write32(0xE000_EDF0, 0xA05F_0001)
        #expect(chip.run(instructions: 1_000) == .halted(.breakpoint(0)))
        #expect(try chip.readCoreRegister(1) == 5)
    }
}

@Suite struct SleepAndResetTests {
    @Test func wfiSleepsUntilTheNextSysTick() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble("""
            .section .vectors
            .word 0x20005000
            .word _start + 1
            .rept 13
            .word 0
            .endr
            .word tick + 1                 @ vector 15: SysTick
            .text
            .thumb_func
            _start:
                movs r4, #0
                ldr r0, =0xE000E010
                ldr r1, =999
                str r1, [r0, #4]           @ LOAD
                movs r1, #7
                str r1, [r0]               @ enable, TICKINT, processor clock
            1:  wfi
                cmp r4, #5
                bne 1b
                bkpt #0
            .thumb_func
            tick:
                adds r4, #1
                bx lr
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.reset()
        #expect(chip.run(instructions: 100_000) == .halted(.breakpoint(0)))
        #expect(try chip.readCoreRegister(4) == 5)
    }

    @Test func firmwareSystemResetRestartsFromTheVectorTable() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_5000) + """
            _start:
                ldr r0, =0x20000000
                ldr r1, [r0]
                adds r1, #1
                str r1, [r0]               @ count the boots in SRAM (kept over a reset)
                cmp r1, #3
                beq 1f
                ldr r0, =0xE000ED0C
                ldr r1, =0x05FA0004
                str r1, [r0]               @ NVIC_SystemReset
                b .
            1:  bkpt #0
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.halt()
        try chip.write32(0x2000_0000, 0)
        chip.reset()
        #expect(chip.run(instructions: 10_000) == .halted(.breakpoint(0)))
        #expect(try chip.read32(0x2000_0000) == 3)
    }
}

@Suite struct FaultTests {
    @Test func unmappedReadStopsWithBusFaultStatus() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_5000) + """
            _start:
                ldr r0, =0x30000000
                ldr r1, [r0]
                bkpt #0
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.reset()
        guard case .halted(.fault(let message)) = chip.run(instructions: 100) else {
            Issue.record("expected a fault, got \(String(describing: chip.haltReason))")
            return
        }
        #expect(message.contains("read at 0x30000000"))
        #expect(try chip.read32(0xE000_ED28) & (1 << 9 | 1 << 15) == 1 << 9 | 1 << 15)  // PRECISERR, BFARVALID
        #expect(try chip.read32(0xE000_ED38) == 0x3000_0000)
        #expect(try chip.read32(0xE000_ED2C) & (1 << 30) != 0)                        // HFSR.FORCED
        #expect(try chip.read32(0xE000_EDF0) & (1 << 19) != 0)                        // S_LOCKUP
        #expect(chip.events.last.map { if case .stopped = $0 { return true } else { return false } } == true)
    }

    @Test func erasedFlashStopsOnTheFirstFetch() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        chip.reset()
        guard case .halted(.fault(let message)) = chip.run(instructions: 100) else {
            Issue.record("expected a fault, got \(String(describing: chip.haltReason))")
            return
        }
        #expect(message.contains("instruction fetch"))
    }
}
