import Foundation
import Testing

@testable import VirtualRig

@Suite struct CoreDebugTests {
    static let dhcsr: UInt32 = 0xE000_EDF0, dcrsr: UInt32 = 0xE000_EDF4, dcrdr: UInt32 = 0xE000_EDF8
    static let demcr: UInt32 = 0xE000_EDFC, aircr: UInt32 = 0xE000_ED0C, dfsr: UInt32 = 0xE000_ED30

    /// A counting loop at 0x08000008 with its vector table: SP 0x20004000, reset at _start.
    static func countingChip() throws -> VirtualChip {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_4000) + """
            _start:
                movs r0, #0
            1:  adds r0, #1
                b 1b
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.reset()
        return chip
    }

    @Test func dhcsrHaltsStepsAndResumes() throws {
        let chip = try Self.countingChip()
        try chip.write32(Self.dhcsr, 0xA05F_0001)
        // Without DBGKEY the write is ignored.
        try chip.write32(Self.dhcsr, 0x0000_0003)
        #expect(!chip.isHalted)
        try chip.write32(Self.dhcsr, 0xA05F_0003)
        #expect(chip.isHalted)
        #expect(chip.haltReason == .debugRequest)
        _ = try chip.read32(Self.dhcsr)  // clears the sticky bits
        #expect(try chip.read32(Self.dhcsr) == 0x0003_0003)
        #expect(try chip.read32(Self.dfsr) & 0x1 != 0)
        let count = try chip.readCoreRegister(0)
        let pc = try chip.readCoreRegister(15)
        // The hosts' step recipe: halt+maskints, step+maskints, halt.
        try chip.write32(Self.dhcsr, 0xA05F_000B)
        try chip.write32(Self.dhcsr, 0xA05F_000D)
        try chip.write32(Self.dhcsr, 0xA05F_0003)
        #expect(chip.isHalted)
        let steppedPC = try chip.readCoreRegister(15)
        #expect(steppedPC != pc)
        #expect(try chip.read32(Self.dhcsr) & (1 << 24) != 0)  // S_RETIRE_ST
        try chip.write32(Self.dhcsr, 0xA05F_0001)
        #expect(!chip.isHalted)
        let running = try chip.read32(Self.dhcsr)
        #expect(running & 0x2_0002 == 0)  // neither S_HALT nor C_HALT
        try chip.write32(Self.dhcsr, 0xA05F_0003)
        #expect(try chip.readCoreRegister(0) > count)
    }

    @Test func dcrsrAndDcrdrTransferCoreRegisters() throws {
        let chip = try Self.countingChip()
        try chip.write32(Self.dhcsr, 0xA05F_0003)
        try chip.write32(Self.dcrdr, 0x1234_5678)
        try chip.write32(Self.dcrsr, 0x1_0003)        // write r3
        #expect(try chip.readCoreRegister(3) == 0x1234_5678)
        try chip.write32(Self.dcrsr, 15)              // read the debug return address
        #expect(try chip.read32(Self.dcrdr) == chip.readCoreRegister(15))
        #expect(try chip.read32(Self.dhcsr) & (1 << 16) != 0)  // S_REGRDY
        try chip.writeCoreRegister(17, 0x2000_1000)   // MSP
        #expect(try chip.readCoreRegister(13) == 0x2000_1000)
        try chip.writeCoreRegister(20, 0x0000_0001)   // PRIMASK
        #expect(try chip.readCoreRegister(20) == 0x0000_0001)
        #expect(try chip.readCoreRegister(16) & 0x0100_0000 != 0)  // xPSR.T
        #expect(throws: ChipError.unknownRegister(0x30)) { try chip.readCoreRegister(0x30) }
    }

    @Test func aircrResetReloadsStackAndEntryFromTheVectorTable() throws {
        let chip = try Self.countingChip()
        try chip.write32(Self.dhcsr, 0xA05F_0003)
        try chip.writeCoreRegister(13, 0x2000_0100)
        try chip.writeCoreRegister(15, 0x0800_0100)
        // Without VECTKEY nothing happens.
        try chip.write32(Self.aircr, 0x0000_0004)
        #expect(try chip.readCoreRegister(15) == 0x0800_0100)
        #expect(try chip.read32(Self.aircr) >> 16 == 0xFA05)
        try chip.write32(Self.aircr, 0x05FA_0004)
        // The core runs after a reset without vector catch; halt it to look.
        try chip.write32(Self.dhcsr, 0xA05F_0003)
        #expect(try chip.readCoreRegister(13) == 0x2000_4000)
        #expect(try chip.readCoreRegister(17) == 0x2000_4000)
        #expect(try chip.read32(Self.dhcsr) & (1 << 25) != 0)  // S_RESET_ST, sticky
        #expect(try chip.read32(Self.dhcsr) & (1 << 25) == 0)  // cleared by the read
    }

    @Test func vectorCatchHaltsAtTheResetVector() throws {
        let chip = try Self.countingChip()
        try chip.write32(Self.dhcsr, 0xA05F_0003)
        try chip.write32(Self.dfsr, 0x1F)
        try chip.write32(Self.demcr, 0x0100_0001)       // TRCENA | VC_CORERESET
        try chip.write32(Self.dhcsr, 0xA05F_0001)       // running
        try chip.write32(Self.aircr, 0x05FA_0004)
        #expect(chip.isHalted)
        #expect(chip.haltReason == .vectorCatch)
        #expect(try chip.readCoreRegister(15) == 0x0800_0008)
        #expect(try chip.read32(Self.dfsr) & 0x8 != 0)  // VCATCH
        #expect(try chip.read32(Self.dhcsr) & 0x0203_0003 == 0x0203_0003)
        #expect(try chip.read32(Self.demcr) == 0x0100_0001)  // debug registers survive the reset
    }

    @Test func bkptHaltsWithCHaltAndDfsrBkpt() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let program = try ChipTestSupport.assemble(ChipTestSupport.vectors(stack: 0x2000_4000) + """
            _start:
                nop
                bkpt #0x42
            """, base: 0x0800_0000)
        chip.flash.replace(with: program)
        chip.reset(halt: true)
        try chip.write32(Self.dhcsr, 0xA05F_0009)   // stlink-tools runs its loader like this
        let state = try chip.read32(Self.dhcsr)
        #expect(state & 0x0002_0002 == 0x0002_0002)  // S_HALT and C_HALT
        #expect(chip.haltReason == .breakpoint(0x42))
        #expect(try chip.read32(Self.dfsr) & 0x2 != 0)
        #expect(try chip.readCoreRegister(15) == 0x0800_000A)  // at the BKPT
    }

    @Test func romTableAndComponentIDsAreReadable() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        chip.halt()
        let entries = try (0..<7).map { try chip.read32(0xE00F_F000 + UInt32($0) * 4) }
        #expect(entries == [0xFFF0_F003, 0xFFF0_2003, 0xFFF0_3003, 0xFFF0_1003, 0xFFF4_1003, 0xFFF4_2002, 0])
        func cid(_ base: UInt32) throws -> UInt32 {
            try (0..<4).reduce(0) { $0 | (try chip.read32(base + 0xFF0 + UInt32($1) * 4) & 0xFF) << (8 * UInt32($1)) }
        }
        #expect(try cid(0xE00F_F000) == 0xB105_100D)
        #expect(try cid(0xE000_E000) == 0xB105_E00D)
        #expect(try cid(0xE000_1000) == 0xB105_E00D)
        #expect(try cid(0xE000_2000) == 0xB105_E00D)
        #expect(try chip.read32(0xE000_EFE0) == 0x00)   // SCS PIDR0: M3 SCS part 0x000
        #expect(try chip.read32(0xE000_EFE8) == 0x1B)   // PIDR2: JEDEC, ARM, revision 1
        #expect(try chip.read32(0xE000_2000) & 0xF0 == 0x60)  // FP_CTRL: 6 code comparators
        try chip.write32(0xE000_2000, 0x3)
        #expect(try chip.read32(0xE000_2000) & 0x1 == 0x1)
        #expect(try chip.read32(0xE000_1000) >> 28 == 4)      // DWT_CTRL.NUMCOMP
    }
}

@Suite struct ChipRunnerTests {
    @Test func firmwareRunsInTheBackgroundWhileAProbeHaltsIt() throws {
        let chip = try CoreDebugTests.countingChip()
        let runner = ChipRunner(chip: chip)
        runner.start()
        var count: UInt32 = 0
        for _ in 0..<200 where count == 0 {
            usleep(2_000)
            count = try chip.readCoreRegister(0)
        }
        try chip.write32(0xE000_EDF0, 0xA05F_0003)
        let halted = try chip.readCoreRegister(0)
        usleep(5_000)
        #expect(halted > 0)
        #expect(try chip.readCoreRegister(0) == halted)
        runner.stop()
        #expect(!runner.isRunning)
    }

    @Test func aWaitForResumeEndsWhenAnotherThreadResumesTheCore() throws {
        let chip = try CoreDebugTests.countingChip()
        chip.halt()
        let generation = chip.resumeGeneration
        // VirtualChip guards itself with its lock; the closure only needs to reach it.
        nonisolated(unsafe) let target = chip
        let resumer = Thread { target.resume() }
        resumer.start()
        #expect(chip.waitForResume(since: generation, timeout: 60))
        #expect(!chip.isHalted)
        // Nothing resumed it since: the next wait runs into its timeout.
        chip.halt()
        #expect(!chip.waitForResume(since: chip.resumeGeneration, timeout: 0.01))
    }

    @Test func aHaltedCoreRunsAgainOnTheRunnerWhenResumed() throws {
        let chip = try CoreDebugTests.countingChip()
        chip.halt()
        let runner = ChipRunner(chip: chip)
        runner.start()
        defer { runner.stop() }
        // Halted, the runner sleeps; register reads of a halted core run nothing.
        let before = try chip.readCoreRegister(0)
        #expect(try chip.readCoreRegister(0) == before)
        var after = before
        for _ in 0..<500 where after == before {
            chip.resume()
            usleep(2_000)
            chip.halt()
            after = try chip.readCoreRegister(0)
        }
        #expect(after > before)
    }
}
