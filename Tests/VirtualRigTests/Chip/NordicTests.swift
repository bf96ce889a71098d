import Testing

@testable import VirtualRig

@Suite struct NordicTests {
    @Test func ficrAndCtrlAPAnswerWhatOpenOCDReads() throws {
        let chip = try ChipTestSupport.chip("nrf52840dk")
        chip.halt()
        #expect(try chip.read32(0x1000_0100) == 0x0005_2840)     // INFO.PART
        #expect(try chip.read32(0x1000_0110) == 1024)            // INFO.FLASH KiB
        #expect(try chip.read32(0x1000_0010) == 4096)            // CODEPAGESIZE
        #expect(try chip.read32(0x1000_0014) == 256)             // CODESIZE
        #expect(try chip.read32(0x1000_1208) == 0xFFFF_FFFF)     // UICR.APPROTECT erased
        #expect(try chip.read32(0xE000_ED00) == 0x410F_C241)
        let port = SWDebugPort(chip: chip)
        #expect(port.dpRead(0x0) == (.ok, 0x2BA0_1477))
        _ = port.dpWrite(0x4, 0x5000_0000)
        _ = port.dpWrite(0x8, 0x0100_00F0)                         // APSEL 1, bank 0xF
        #expect(port.apReadValue(0xC).value == 0x0288_0000)        // CTRL-AP IDR
        _ = port.dpWrite(0x8, 0x0100_0000)
        #expect(port.apReadValue(0xC).value == 1)                  // APPROTECTSTATUS: unprotected
        _ = port.dpWrite(0x8, 0x0000_00F0)
        #expect(port.apReadValue(0xC).value == 0x2477_0011)        // AHB-AP IDR
    }

    @Test func nvmcErasesPagesAndProgramsWords() throws {
        let chip = try ChipTestSupport.chip("nrf52840dk")
        chip.halt()
        chip.flash.replace(with: [UInt8](repeating: 0, count: 8192))
        try chip.write32(0x4001_E504, 2)                           // CONFIG = erase enable
        try chip.write32(0x4001_E508, 0x0000_1000)                 // ERASEPAGE page 1
        #expect(try chip.read32(0x4001_E400) == 1)                 // READY (time-scale 0)
        #expect(chip.flash.read(0x1000, count: 4096).allSatisfy { $0 == 0xFF })
        #expect(chip.flash.read(0x0000, count: 4096).allSatisfy { $0 == 0 })
        try chip.write32(0x1000, 0x1234_5678)                      // CONFIG is not write enable: dropped
        #expect(try chip.read32(0x1000) == 0xFFFF_FFFF)
        try chip.write32(0x4001_E504, 1)                           // CONFIG = write enable
        try chip.write32(0x1000, 0x1234_5678)
        #expect(try chip.read32(0x1000) == 0x1234_5678)
        #expect(throws: ChipError.busFault(address: 0x1004)) { try chip.write16(0x1004, 0) }
        try chip.write32(0x4001_E504, 2)
        try chip.write32(0x4001_E50C, 1)                           // ERASEALL
        #expect(chip.flash.bytes.allSatisfy { $0 == 0xFF })
    }

    @Test func gpioOutSetAndClearAreLEDEvents() throws {
        let chip = try ChipTestSupport.chip("nrf52840dk")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_4000) + """
            _start:
                ldr r0, =0x50000000
                ldr r1, =(1 << 13)
                str r1, [r0, #0x508]       @ OUTSET: P0.13 high, LED1 off (active low)
                str r1, [r0, #0x50C]       @ OUTCLR: LED1 on
                bkpt #0
            """, base: 0x0000_0000, cpu: "cortex-m4")
        chip.flash.replace(with: program)
        chip.reset()
        #expect(chip.run(instructions: 100) == .halted(.breakpoint(0)))
        #expect(chip.events.filter { if case .led = $0 { return true } else { return false } }
            == [.led(name: "led1", on: false), .led(name: "led1", on: true)])
    }
}
