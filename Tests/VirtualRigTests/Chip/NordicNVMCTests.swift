import Testing

@testable import VirtualRig

/// The nRF52840 NVMC against the Product Specification's NVMC chapter (PS 4.3): CONFIG gates writes and
/// erases, bits only go from 1 to 0, UICR follows the same rules, and READY follows the datasheet times.
@Suite struct NordicNVMCTests {
    enum NVMC {
        static let ready: UInt32 = 0x4001_E400, config: UInt32 = 0x4001_E504, erasePage: UInt32 = 0x4001_E508
        static let eraseAll: UInt32 = 0x4001_E50C, eraseUICR: UInt32 = 0x4001_E514
        static let erasePartial: UInt32 = 0x4001_E518, erasePartialConfig: UInt32 = 0x4001_E51C
    }

    static let uicrCustomer: UInt32 = 0x1000_1080

    /// A clock the test moves by hand, at time-scale 1.
    final class ManualTime {
        var microseconds: UInt64 = 1_000
    }

    @Test func writesNeedWriteEnableAndOnlyClearBits() throws {
        let chip = try ChipTestSupport.chip("nrf52840dk")
        chip.halt()
        try chip.write32(NVMC.config, 2)                            // erase enable is not write enable
        try chip.write32(0x2000, 0x1234_5678)
        #expect(try chip.read32(0x2000) == 0xFFFF_FFFF)
        try chip.write32(NVMC.config, 0)
        try chip.write32(0x2000, 0x1234_5678)
        #expect(try chip.read32(0x2000) == 0xFFFF_FFFF)
        try chip.write32(NVMC.config, 1)
        try chip.write32(0x2000, 0x0F0F_0F0F)
        try chip.write32(0x2000, 0xFF00_FF00)                       // a second write cannot set bits again
        #expect(try chip.read32(0x2000) == 0x0F00_0F00)
        #expect(throws: ChipError.busFault(address: 0x2005)) { try chip.write8(0x2005, 0) }
        try chip.write32(NVMC.erasePage, 0x2000)                    // CONFIG is Wen: no erase
        #expect(try chip.read32(0x2000) == 0x0F00_0F00)
        #expect(try chip.read32(NVMC.config) == 1)
    }

    @Test func uicrIsProgrammedAndErasedThroughTheNVMC() throws {
        let chip = try ChipTestSupport.chip("nrf52840dk")
        chip.halt()
        try chip.write32(Self.uicrCustomer, 0xCAFE_F00D)            // read-only CONFIG: dropped
        #expect(try chip.read32(Self.uicrCustomer) == 0xFFFF_FFFF)
        try chip.write32(NVMC.config, 1)
        try chip.write32(Self.uicrCustomer, 0xCAFE_F00D)
        try chip.write32(Self.uicrCustomer, 0xFFFF_0000)
        try chip.write32(0x3000, 0)
        #expect(try chip.read32(Self.uicrCustomer) == 0xCAFE_0000)
        #expect(throws: ChipError.busFault(address: Self.uicrCustomer)) {
            try chip.write16(Self.uicrCustomer, 0)
        }
        try chip.write32(NVMC.config, 2)
        try chip.write32(NVMC.eraseUICR, 1)                         // UICR only
        #expect(try chip.read32(Self.uicrCustomer) == 0xFFFF_FFFF)
        #expect(try chip.read32(0x3000) == 0)
        try chip.write32(NVMC.config, 1)
        try chip.write32(Self.uicrCustomer, 0x1111_1111)
        try chip.write32(NVMC.config, 2)
        try chip.write32(NVMC.eraseAll, 1)                          // flash and UICR
        #expect(try chip.read32(Self.uicrCustomer) == 0xFFFF_FFFF)
        #expect(try chip.read32(0x3000) == 0xFFFF_FFFF)
    }

    /// Firmware that writes UICR with the CPU (as nrfx does for the NFC pins or a reset pin) gets the same rules.
    @Test func coreStoresIntoUICRGoThroughTheNVMC() throws {
        let chip = try ChipTestSupport.chip("nrf52840dk")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_4000) + """
            _start:
                ldr r0, =0x4001E504
                ldr r1, =0x10001080
                ldr r2, =0x12345678
                str r2, [r1]               @ CONFIG read-only: ignored
                movs r3, #1
                str r3, [r0]               @ CONFIG = Wen
                str r2, [r1, #4]
                ldr r2, =0xFFFF00FF
                str r2, [r1, #4]           @ only clears bits
                bkpt #0
            """, base: 0x0000_0000, cpu: "cortex-m4")
        chip.flash.replace(with: program)
        chip.reset()
        #expect(chip.run(instructions: 100) == .halted(.breakpoint(0)))
        #expect(try chip.read32(Self.uicrCustomer) == 0xFFFF_FFFF)
        #expect(try chip.read32(Self.uicrCustomer + 4) == 0x1234_0078)
    }

    @Test func readyFollowsTheDatasheetAndQueuedOperationsWait() throws {
        let time = ManualTime()
        let chip = try ChipTestSupport.chip("nrf52840dk", clock: VirtualClock(timeScale: 1) { time.microseconds })
        chip.halt()
        try chip.write32(NVMC.config, 2)
        try chip.write32(NVMC.erasePage, 0x4000)
        #expect(try chip.read32(NVMC.ready) == 0)
        time.microseconds += 84_000
        #expect(try chip.read32(NVMC.ready) == 0)
        try chip.write32(NVMC.erasePage, 0x5000)                    // waits for the first: ends at 170 ms
        time.microseconds += 2_000
        #expect(try chip.read32(NVMC.ready) == 0)
        time.microseconds += 84_000
        #expect(try chip.read32(NVMC.ready) == 1)
        try chip.write32(NVMC.config, 1)
        try chip.write32(0x4000, 0)
        #expect(try chip.read32(NVMC.ready) == 0)                   // t_WRITE 41 us
        time.microseconds += 41
        #expect(try chip.read32(NVMC.ready) == 1)
    }

    @Test func partialErasesAddUpToAPageErase() throws {
        let chip = try ChipTestSupport.chip("nrf52840dk")
        chip.halt()
        chip.flash.replace(with: [UInt8](repeating: 0, count: 0x2000))
        #expect(try chip.read32(NVMC.erasePartialConfig) == 10)
        try chip.write32(NVMC.config, 2)
        for _ in 0..<8 { try chip.write32(NVMC.erasePartial, 0x1000) }   // 80 ms of the 85
        #expect(try chip.read32(0x1000) == 0)
        try chip.write32(NVMC.erasePartial, 0x1000)
        #expect(chip.flash.read(0x1000, count: 0x1000).allSatisfy { $0 == 0xFF })
        #expect(chip.flash.read(0x0000, count: 0x1000).allSatisfy { $0 == 0 })
    }

    @Test func ficrHoldsADeviceIDThatIsStableAcrossRuns() throws {
        let first = try ChipTestSupport.chip("nrf52840dk")
        let second = try ChipTestSupport.chip("nrf52840dk")
        first.halt()
        second.halt()
        let id = [try first.read32(0x1000_0060), try first.read32(0x1000_0064)]
        #expect(id == [try second.read32(0x1000_0060), try second.read32(0x1000_0064)])
        #expect(!id.contains(0xFFFF_FFFF) && !id.contains(0))
        #expect(try first.read32(0x1000_00A8) & 0xC000 == 0xC000)   // random static BLE address
        try first.write32(0x1000_0060, 0)                           // FICR is read-only
        #expect(try first.read32(0x1000_0060) == id[0])
    }
}
