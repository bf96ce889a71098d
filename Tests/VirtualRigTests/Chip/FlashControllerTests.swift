import Foundation
import Testing

@testable import VirtualRig

@Suite struct FlashControllerTests {
    /// A half-word loader shaped like stlink-tools' F1 ("VL") loader: r0 source, r1 flash target, r2 byte count;
    /// sets PG, copies one half-word at a time, waits on BSY, stops on PGERR|WRPRTERR, clears PG and BKPTs.
    static let f1Loader = """
        _start:
            ldr r3, =0x40022000
            movs r4, #1
            str r4, [r3, #0x10]      @ FLASH_CR = PG
        copy:
            ldrh r4, [r0]
            strh r4, [r1]
        wait:
            ldr r5, [r3, #0x0C]      @ FLASH_SR
            tst r5, #1               @ BSY
            bne wait
            tst r5, #0x14            @ PGERR | WRPRTERR
            bne done
            adds r0, #2
            adds r1, #2
            subs r2, #2
            bgt copy
        done:
            movs r4, #0
            str r4, [r3, #0x10]
            bkpt #0
        """

    static func unlockF1(_ chip: VirtualChip) throws {
        try chip.write32(0x4002_2004, 0x4567_0123)
        try chip.write32(0x4002_2004, 0xCDEF_89AB)
    }

    /// Loads the loader into SRAM through the debug API and runs it, as st-flash does.
    static func runF1Loader(_ chip: VirtualChip, data: [UInt8], target: UInt32) throws -> RunResult {
        let loader = try ChipTestSupport.assemble(f1Loader, base: 0x2000_0000)
        try chip.writeMemory(0x2000_0000, loader)
        try chip.writeMemory(0x2000_0400, data)
        try chip.writeCoreRegister(0, 0x2000_0400)
        try chip.writeCoreRegister(1, target)
        try chip.writeCoreRegister(2, UInt32(data.count))
        try chip.writeCoreRegister(15, 0x2000_0000)
        try chip.write32(0xE000_EDF0, 0xA05F_0009)  // run with interrupts masked
        var state = try chip.read32(0xE000_EDF0)
        for _ in 0..<50 where state & 0x2 == 0 { state = try chip.read32(0xE000_EDF0) }
        return chip.run(instructions: 0) == .running ? .running : .halted(chip.haltReason ?? .debugRequest)
    }

    @Test func f1LoaderProgramsHalfWordsThroughTheFPEC() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        chip.reset(halt: true)
        try chip.write32(0xE000_EDF0, 0xA05F_0003)
        try Self.unlockF1(chip)
        let data = (0..<256).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        #expect(try Self.runF1Loader(chip, data: data, target: 0x0800_0400) == .halted(.breakpoint(0)))
        #expect(chip.flash.read(0x0800_0400, count: 256) == data)
        #expect(try chip.read32(0x4002_200C) & 0x14 == 0)
        #expect(try chip.readCoreRegister(2) == 0)
        #expect(try chip.readMemory(0x0800_0400, count: 256) == data)

        // Again over the same, no longer erased, half-words: PGERR and nothing changes.
        let other = [UInt8](repeating: 0x55, count: 16)
        #expect(try Self.runF1Loader(chip, data: other, target: 0x0800_0400) == .halted(.breakpoint(0)))
        #expect(try chip.read32(0x4002_200C) & 0x4 != 0)
        #expect(chip.flash.read(0x0800_0400, count: 16) == Array(data.prefix(16)))
        // PGERR is write-1-to-clear.
        try chip.write32(0x4002_200C, 0x4)
        #expect(try chip.read32(0x4002_200C) & 0x4 == 0)
    }

    @Test func f1PageEraseMassEraseAndLocking() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        chip.halt()
        chip.flash.replace(with: [UInt8](repeating: 0, count: 4096))
        #expect(try chip.read32(0x4002_2010) == 0x80)  // LOCK after reset
        try Self.unlockF1(chip)
        #expect(try chip.read32(0x4002_2010) & 0x80 == 0)
        try chip.write32(0x4002_2010, 0x2)             // PER
        try chip.write32(0x4002_2014, 0x0800_0400)     // page 1
        try chip.write32(0x4002_2010, 0x42)            // PER | STRT
        #expect(chip.flash.read(0x0800_0400, count: 1024).allSatisfy { $0 == 0xFF })
        #expect(chip.flash.read(0x0800_0000, count: 1024).allSatisfy { $0 == 0 })
        #expect(try chip.read32(0x4002_200C) & 0x20 != 0)  // EOP
        // A programming write without PG is dropped.
        try chip.write32(0x4002_2010, 0)
        try chip.write16(0x0800_0400, 0x1234)
        #expect(try chip.read16(0x0800_0400) == 0xFFFF)
        // With PG, a half-word write programs; byte writes are refused with PGERR.
        try chip.write32(0x4002_2010, 0x1)
        try chip.write16(0x0800_0400, 0x1234)
        #expect(try chip.read16(0x0800_0400) == 0x1234)
        try chip.write8(0x0800_0402, 0x12)
        #expect(try chip.read32(0x4002_200C) & 0x4 != 0)
        try chip.write32(0x4002_2010, 0x4)
        try chip.write32(0x4002_2010, 0x44)            // MER | STRT
        #expect(chip.flash.bytes.allSatisfy { $0 == 0xFF })
        // A wrong key locks the FPEC until reset.
        try chip.write32(0x4002_2010, 0x80)
        // A wrong key is a bus error (RM0008 3.3.1) and locks the FPEC until reset, right keys included.
        #expect(throws: ChipError.busFault(address: 0x4002_2004)) { try chip.write32(0x4002_2004, 0x1111_1111) }
        #expect(throws: ChipError.self) { try Self.unlockF1(chip) }
        #expect(try chip.read32(0x4002_2010) & 0x80 != 0)
        chip.reset(halt: true)
        try Self.unlockF1(chip)
        #expect(try chip.read32(0x4002_2010) & 0x80 == 0)
    }

    @Test func f1BusyLastsTheScaledDatasheetTime() throws {
        final class Now: @unchecked Sendable { var microseconds: UInt64 = 0 }
        let now = Now()
        let clock = VirtualClock(timeScale: 1, now: { now.microseconds })
        let chip = try ChipTestSupport.chip("bluepill", clock: clock)
        chip.halt()
        try Self.unlockF1(chip)
        try chip.write32(0x4002_2010, 0x2)
        try chip.write32(0x4002_2014, 0x0800_0000)
        try chip.write32(0x4002_2010, 0x42)
        #expect(try chip.read32(0x4002_200C) & 0x1 != 0)   // BSY: 20 ms page erase from the YAML
        now.microseconds += 19_000
        #expect(try chip.read32(0x4002_200C) & 0x1 != 0)
        now.microseconds += 1_000
        #expect(try chip.read32(0x4002_200C) & 0x1 == 0)
    }

    @Test func f4SectorEraseBySNBAndWordProgramming() throws {
        let chip = try ChipTestSupport.chip("stm32f4-discovery")
        chip.halt()
        chip.flash.replace(with: [UInt8](repeating: 0, count: 0x10000))
        #expect(try chip.read32(0x4002_3C10) == 0x8000_0000)
        try chip.write32(0x4002_3C04, 0x4567_0123)
        try chip.write32(0x4002_3C04, 0xCDEF_89AB)
        #expect(try chip.read32(0x4002_3C10) & 0x8000_0000 == 0)
        // SER, SNB = 1 (0x08004000, 16 KiB), PSIZE x32, then STRT.
        try chip.write32(0x4002_3C10, 0x2 | 1 << 3 | 2 << 8)
        try chip.write32(0x4002_3C10, 0x2 | 1 << 3 | 2 << 8 | 1 << 16)
        #expect(chip.flash.read(0x0800_4000, count: 0x4000).allSatisfy { $0 == 0xFF })
        #expect(chip.flash.read(0x0800_0000, count: 0x4000).allSatisfy { $0 == 0 })
        #expect(chip.flash.read(0x0800_8000, count: 0x4000).allSatisfy { $0 == 0 })
        // Sector 4 is the 64 KiB one.
        try chip.write32(0x4002_3C10, 0x2 | 4 << 3 | 2 << 8 | 1 << 16)
        #expect(chip.flash.read(0x0801_0000, count: 0x10000).allSatisfy { $0 == 0xFF })
        // PG with the stale SER left set, as stlink-tools does: a 32-bit write programs.
        try chip.write32(0x4002_3C10, 0x1 | 0x2 | 2 << 8)
        try chip.write32(0x0800_4000, 0x1234_5678)
        #expect(try chip.read32(0x0800_4000) == 0x1234_5678)
        // Bits only go from 1 to 0.
        try chip.write32(0x0800_4000, 0xFFFF_0000)
        #expect(try chip.read32(0x0800_4000) == 0x1234_0000)
        // A 16-bit write with PSIZE x32: PGPERR, nothing written.
        try chip.write16(0x0800_4004, 0x0000)
        #expect(try chip.read32(0x4002_3C0C) & 0x40 != 0)
        #expect(try chip.read32(0x0800_4004) == 0xFFFF_FFFF)
        try chip.write32(0x4002_3C0C, 0x40)
        #expect(try chip.read32(0x4002_3C0C) & 0x40 == 0)
        // Without PG: PGSERR.
        try chip.write32(0x4002_3C10, 2 << 8)
        try chip.write32(0x0800_4008, 0)
        #expect(try chip.read32(0x4002_3C0C) & 0x80 != 0)
        #expect(try chip.read32(0x0800_4008) == 0xFFFF_FFFF)
    }

    @Test func f4LoaderOnTheCoreProgramsWords() throws {
        let chip = try ChipTestSupport.chip("stm32f4-discovery")
        chip.reset(halt: true)
        try chip.write32(0xE000_EDF0, 0xA05F_0003)
        try chip.write32(0x4002_3C04, 0x4567_0123)
        try chip.write32(0x4002_3C04, 0xCDEF_89AB)
        try chip.write32(0x4002_3C10, 0x1 | 2 << 8)  // PG, x32
        // stlink-tools' F4 loader shape: word copy, wait on the half-word holding BSY at 0x40023C0E.
        let loader = try ChipTestSupport.assemble("""
            _start:
                ldr r3, =0x40023C0E
            copy:
                ldr r4, [r0]
                str r4, [r1]
            wait:
                ldrh r5, [r3]
                tst r5, #1
                bne wait
                adds r0, #4
                adds r1, #4
                subs r2, #4
                bgt copy
                bkpt #0
            """, base: 0x2000_0000, cpu: "cortex-m4")
        let data = (0..<64).map { UInt8($0) }
        try chip.writeMemory(0x2000_0000, loader)
        try chip.writeMemory(0x2000_1000, data)
        let registers: [(UInt32, UInt32)] = [(0, 0x2000_1000), (1, 0x0800_0000), (2, 64), (15, 0x2000_0000)]
        for (register, value) in registers {
            try chip.writeCoreRegister(register, value)
        }
        try chip.write32(0xE000_EDF0, 0xA05F_0009)
        #expect(chip.run(instructions: 100_000) == .halted(.breakpoint(0)))
        #expect(chip.flash.read(0x0800_0000, count: 64) == data)
        #expect(try chip.read32(0x4002_3C0C) & 0xF2 == 0)
    }

    @Test func flashStateRoundTrips() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chip-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("stlink-bluepill-X.flash").path
        let first = try ChipTestSupport.chip("bluepill")
        first.flash.replace(with: [1, 2, 3, 4])
        #expect(first.flash.isDirty)
        try first.flash.save(path: path)
        let second = try ChipTestSupport.chip("bluepill")
        try second.flash.load(path: path)
        #expect(second.flash.read(0x0800_0000, count: 5) == [1, 2, 3, 4, 0xFF])
        try Data([1, 2]).write(to: URL(fileURLWithPath: path))
        #expect(throws: VirtualRigError.self) { try second.flash.load(path: path) }
        // The rig's state store names the file and reads the same raw image.
        let store = FlashStateStore(directory: folder.path)
        let third = try ChipTestSupport.chip("bluepill")
        third.flash.replace(with: [9, 8, 7])
        let named = store.path(kind: "stlink", board: "bluepill", serial: "X")
        try store.save(third.flash, path: named)
        let fourth = try ChipTestSupport.chip("bluepill")
        try store.load(into: fourth.flash, path: named)
        #expect(fourth.flash.read(0x0800_0000, count: 4) == [9, 8, 7, 0xFF])
    }

    @Test func probeModelChipsKeepTheirFlashInTheStateFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chip-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let context = VirtualDeviceContext(
            board: try ChipTestSupport.board("bluepill"), spec: DeviceSpec(kind: "stlink", board: "bluepill"),
            serial: "SERIAL", stateName: "SERIAL", clock: VirtualClock(timeScale: 0),
            store: FlashStateStore(directory: folder.path))
        let (first, persist) = try VirtualChip.make(for: context)
        first.flash.replace(with: [0xAA, 0xBB])
        let save = try #require(persist)
        try save()
        let (second, _) = try VirtualChip.make(for: context)
        #expect(second.flash.read(0x0800_0000, count: 3) == [0xAA, 0xBB, 0xFF])
        let file = folder.appendingPathComponent("stlink-bluepill-SERIAL.flash").path
        #expect(FileManager.default.fileExists(atPath: file))
    }
}
