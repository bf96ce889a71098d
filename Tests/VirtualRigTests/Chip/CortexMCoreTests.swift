import Foundation
import Testing

@testable import VirtualRig

@Suite struct CortexMCoreTests {
    @Test func gpioWritesBecomePinAndLEDEvents() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_5000) + """
            _start:
                ldr r0, =0x40011010      @ GPIOC_BSRR
                ldr r1, =(1 << 13)
                ldr r2, =(1 << 29)
                movs r3, #3
            1:  str r2, [r0]             @ PC13 low: LED on (active low)
                str r1, [r0]             @ PC13 high: LED off
                subs r3, #1
                bne 1b
                bkpt #0
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.reset()
        #expect(chip.run(instructions: 10_000) == .halted(.breakpoint(0)))
        let leds = chip.events.compactMap { event -> Bool? in
            if case .led("user", let on) = event { return on }
            return nil
        }
        // ODR resets to 0 (LED on), so the first BSRR reset changes nothing.
        #expect(leds == [false, true, false, true, false])
        #expect(chip.events.contains(.pin(name: "PC13", high: false)))
    }

    @Test func builtInSemihostingCapturesOutputAndExit() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_5000) + """
            _start:
                movs r0, #4              @ SYS_WRITE0
                ldr r1, =hello
                bkpt #0xab
                movs r0, #3              @ SYS_WRITEC
                ldr r1, =bang
                bkpt #0xab
                movs r0, #5              @ SYS_WRITE {stdout, buffer, 3}
                ldr r1, =block
                bkpt #0xab
                mov r4, r0               @ bytes not written
                movs r0, #0x18           @ SYS_EXIT, ADP_Stopped_ApplicationExit
                ldr r1, =0x20026
                bkpt #0xab
                b .
            .align 2
            block: .word 1, abc, 3
            hello: .asciz "hello\\n"
            bang: .ascii "!"
            abc: .ascii "abc"
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.reset()
        #expect(chip.run(instructions: 10_000) == .halted(.exit(0x20026)))
        #expect(chip.consoleOutput == "hello\n!abc")
        #expect(chip.events.last == .exit(reason: 0x20026))
        #expect(try chip.readCoreRegister(4) == 0)
    }

    @Test func semihostingHaltsForTheProbeWhenDebugIsEnabled() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_5000) + """
            _start:
                movs r0, #3
                ldr r1, =char
                bkpt #0xab
                bkpt #1
            char: .ascii "x"
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        // Reset halted, so the firmware does not run before the probe enables debug.
        chip.reset(halt: true)
        try chip.write32(0xE000_EDF0, 0xA05F_0001)
        #expect(chip.run(instructions: 1_000) == .halted(.semihosting))
        #expect(try chip.read32(0xE000_ED30) & 0x2 != 0)
        #expect(chip.serveSemihosting())
        #expect(chip.consoleOutput == "x")
        #expect(chip.run(instructions: 1_000) == .halted(.breakpoint(1)))
    }

    @Test func usartDataRegisterIsTheConsole() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_5000) + """
            _start:
                ldr r0, =0x40013800      @ USART1
            1:  ldr r2, [r0]             @ SR: wait for TXE
                tst r2, #0x80
                beq 1b
                movs r1, #'h'
                str r1, [r0, #4]
                movs r1, #'i'
                strb r1, [r0, #4]
                bkpt #0
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.reset()
        chip.run(instructions: 1_000)
        #expect(chip.consoleOutput == "hi")
    }

    @Test func identityRegistersComeFromTheChipFile() throws {
        let f1 = try ChipTestSupport.chip("bluepill")
        f1.halt()
        #expect(try f1.read32(0xE004_2000) == 0x2003_6410)
        #expect(try f1.read16(0x1FFF_F7E0) == 64)
        #expect(try f1.read32(0x1FFF_F7E0) == 0xFFFF_0040)  // as st-info's trace shows
        #expect(try f1.read32(0xE000_ED00) == 0x411F_C231)
        #expect(f1.dpIDCode == 0x1BA0_1477)
        let f4 = try ChipTestSupport.chip("stm32f4-discovery")
        f4.halt()
        #expect(try f4.read16(0x1FFF_7A22) == 1024)
        // stlink-tools reads the word at (address & ~3) and takes bits 31:16.
        #expect(try f4.read32(0x1FFF_7A20) >> 16 == 1024)
        #expect(try f4.read32(0xE000_ED00) == 0x410F_C241)
        #expect(try f4.read32(0xE000_EF40) == 0x1011_0021)
        #expect(try f4.read32(0xE004_2000) == 0x1007_6413)
        #expect(try f4.readMemory(0x1FFF_7A10, count: 12).count == 12)
    }

    @Test func unmappedDebugAccessIsABusFault() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        chip.halt()
        #expect(throws: ChipError.busFault(address: 0x3000_0000)) { try chip.read32(0x3000_0000) }
        // 20K of SRAM: the byte after it is outside the model even though Unicorn maps whole pages.
        #expect(throws: ChipError.busFault(address: 0x2000_5000)) { try chip.read32(0x2000_5000) }
    }

    @Test func cBlinkyForBluepillShowsLEDEvents() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.compileC("""
            #include <stdint.h>
            #define REG(a) (*(volatile uint32_t *)(a))
            #define RCC_APB2ENR REG(0x40021018)
            #define GPIOC_CRH REG(0x40011004)
            #define GPIOC_ODR REG(0x4001100C)
            #define GPIOC_BSRR REG(0x40011010)
            #define SYST_CSR REG(0xE000E010)
            #define SYST_RVR REG(0xE000E014)
            #define SYST_CVR REG(0xE000E018)
            static void delay_ticks(uint32_t n) {
                for (uint32_t i = 0; i < n; i++) { while (!(SYST_CSR & (1u << 16))) {} }
            }
            void reset_handler(void) {
                RCC_APB2ENR |= 1u << 4;                           /* IOPCEN */
                GPIOC_CRH = (GPIOC_CRH & ~(0xFu << 20)) | (0x2u << 20); /* PC13 push-pull output */
                SYST_RVR = 720 - 1; SYST_CVR = 0; SYST_CSR = 5;   /* processor clock, no interrupt */
                for (;;) {
                    GPIOC_BSRR = 1u << (13 + 16);                 /* LED on */
                    delay_ticks(10);
                    GPIOC_ODR ^= 1u << 13;                        /* LED off */
                    delay_ticks(10);
                }
            }
            __attribute__((section(".vectors"), used))
            const void *vectors[] = { (void *)0x20005000, (void *)reset_handler };
            """)
        chip.flash.replace(with: program)
        chip.reset()
        #expect(chip.run(instructions: 200_000) == .running)
        let leds = chip.events.compactMap { event -> Bool? in
            if case .led("user", let on) = event { return on }
            return nil
        }
        #expect(leds.count >= 6)
        // ODR resets to 0, so the LED (active low) starts on: the first change turns it off.
        #expect(Array(leds.prefix(4)) == [false, true, false, true])
    }

    /// A long countdown runs to its breakpoint with the counter at zero: runs are not cut short between slices.
    /// (Speed belongs in benchmarks, not here.)
    @Test func aLongLoopRunsToItsBreakpoint() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_5000) + """
            _start:
                ldr r0, =1000000
            1:  subs r0, #1
                bne 1b
                bkpt #0
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.reset()
        #expect(chip.run(instructions: 4_000_000) == .halted(.breakpoint(0)))
        #expect(try chip.readCoreRegister(0) == 0)
    }
}

@Suite struct VirtualChipBoardsTests {
    @Test(arguments: [
        "bluepill", "nucleo-f103rb", "stm32vldiscovery", "stm32f4-discovery", "nucleo-f401re", "blackpill-f411ce",
        "netduinoplus2", "nrf52840dk", "microbit", "pico", "lm3s6965evb", "mps2-an386",
    ])
    func everyARMBoardBuildsAChip(_ id: String) throws {
        let chip = try ChipTestSupport.chip(id)
        chip.halt()
        let cpuid = try chip.read32(0xE000_ED00)
        #expect(cpuid >> 24 == 0x41)
        #expect(try chip.read32(0xE00F_F000) == 0xFFF0_F003)
        if let ram = chip.chip.ram {
            try chip.write32(UInt32(ram.start), 0xDEAD_BEEF)
            #expect(try chip.read32(UInt32(ram.start)) == 0xDEAD_BEEF)
        }
    }

    @Test func nonARMBoardsAreRefused() throws {
        #expect(throws: ChipError.unsupportedCore("avr5")) { try ChipTestSupport.chip("uno") }
    }

    @Test func detachingTheDebuggerHandsSemihostingToTheRig() throws {
        let chip = try ChipTestSupport.chip("stm32f4-discovery")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_5000) + """
            _start:
                ldr r2, =0x40020C14       @ GPIOD_ODR
                ldr r3, =(1 << 12)
                str r3, [r2]              @ green LED on (PD12, active high)
                movs r0, #4
                ldr r1, =text
                bkpt #0xab
                movs r0, #0x18
                ldr r1, =0x20026
                bkpt #0xab
            text: .asciz "F4 says hi\\n"
            """, base: 0x0800_0000, cpu: "cortex-m4")
        chip.flash.replace(with: program)
        chip.reset(halt: true)
        try chip.write32(0xE000_EDF0, 0xA05F_0001)
        #expect(chip.run(instructions: 1_000) == .halted(.semihosting))
        chip.detachDebugger()
        #expect(chip.run(instructions: 1_000, seconds: 5) == .halted(.exit(0x20026)))
        #expect(chip.consoleOutput == "F4 says hi\n")
        #expect(chip.events.contains(.led(name: "green", on: true)))
    }
}
