import Foundation
import Testing

@testable import VirtualRig

/// Runs the flash loaders the peers themselves upload, taken from the installed binaries, the way the peers drive
/// them: OpenOCD 0.12's STM32F1 algorithm (`stm32f1x.inc`) with `target_run_flash_async_algorithm`'s FIFO, and
/// stlink-tools 1.7.0's STM32F1 ("VL") and STM32F4 loaders from libstlink. The Makefile installs both tools; a
/// missing one fails its test.
@Suite struct PeerLoaderTests {
    /// The algorithm's bytes: it starts `ldr r6,[r2]; cmp r6,#0; beq exit; ldr r5,[r2,#4]; cmp r5,r6; beq`,
    /// then `ldrh r6,[r5]; strh r6,[r4]`, and ends at its `bkpt #0`.
    static func openOCDF1Algorithm() -> [UInt8]? {
        guard let binary = FileManager.default.contents(atPath: "/usr/bin/openocd") else { return nil }
        let bytes = [UInt8](binary)
        let head: [UInt8] = [0x16, 0x68, 0x00, 0x2E]
        let copy: [UInt8] = [0x55, 0x68, 0xB5, 0x42, 0xF9, 0xD0, 0x2E, 0x88, 0x26, 0x80]
        var index = 0
        while index + 128 < bytes.count {
            if bytes[index] == head[0], Array(bytes[index..<(index + 4)]) == head,
               Array(bytes[(index + 6)..<(index + 16)]) == copy {
                var end = index + 16
                while end + 1 < index + 128, !(bytes[end] == 0x00 && bytes[end + 1] == 0xBE) { end += 2 }
                return Array(bytes[index..<(end + 2)])
            }
            index += 1
        }
        return nil
    }

    @Test
    func openOCDStm32f1AsyncAlgorithmProgramsFlash() throws {
        let algorithm = try #require(Self.openOCDF1Algorithm())
        let chip = try ChipTestSupport.chip("bluepill")
        chip.reset(halt: true)
        try chip.write32(0xE000_EDF0, 0xA05F_0003)
        // Unlock, erase pages 2 and 3, set PG: what stm32x_write_block_async does before starting the algorithm.
        try chip.write32(0x4002_2004, 0x4567_0123)
        try chip.write32(0x4002_2004, 0xCDEF_89AB)
        for page: UInt32 in [0x0800_0800, 0x0800_0C00] {
            try chip.write32(0x4002_2010, 0x2)
            try chip.write32(0x4002_2014, page)
            try chip.write32(0x4002_2010, 0x42)
        }
        try chip.write32(0x4002_2010, 0x1)

        let code: UInt32 = 0x2000_0000, fifo: UInt32 = 0x2000_0100, fifoEnd: UInt32 = 0x2000_0100 + 8 + 256
        let image = (0..<2048).map { UInt8(truncatingIfNeeded: $0 * 31 + $0 / 256) }
        try chip.writeMemory(code, algorithm)
        try chip.write32(fifo, fifo + 8)        // wp
        try chip.write32(fifo + 4, fifo + 8)    // rp
        let registers: [(UInt32, UInt32)] = [(0, 0x4002_2000), (1, UInt32(image.count / 2)), (2, fifo), (3, fifoEnd),
                                             (4, 0x0800_0800), (15, code), (16, 0x0100_0000)]
        for (register, value) in registers { try chip.writeCoreRegister(register, value) }
        try chip.write32(0xE000_EDF0, 0xA05F_0001)

        try Self.feedFIFO(chip, image: image, fifo: fifo, fifoEnd: fifoEnd)
        var state = try chip.read32(0xE000_EDF0)
        for _ in 0..<100 where state & 0x2_0000 == 0 { state = try chip.read32(0xE000_EDF0) }
        #expect(chip.haltReason == .breakpoint(0))
        #expect(try chip.readCoreRegister(0) & 0x14 == 0)          // the status the algorithm returns: SR
        #expect(try chip.readMemory(0x0800_0800, count: image.count) == image)
    }

    /// The host side of `target_run_flash_async_algorithm`'s FIFO ([wp, rp, data…]): write what fits between wp
    /// and rp (one slot kept free), publish wp, and read rp back, while the core drains the FIFO into flash.
    static func feedFIFO(_ chip: VirtualChip, image: [UInt8], fifo: UInt32, fifoEnd: UInt32) throws {
        var sent = 0
        var writePointer = fifo + 8
        var polls = 0
        while sent < image.count, polls < 10_000 {
            polls += 1
            let readPointer = try chip.read32(fifo + 4)
            #expect(readPointer != 0, "the algorithm reported an error")
            if readPointer == 0 { return }
            let free = readPointer > writePointer ? readPointer - writePointer - 2
                : fifoEnd - writePointer - (readPointer == fifo + 8 ? 2 : 0)
            let count = min(Int(free), image.count - sent) & ~1
            guard count > 0 else { continue }
            try chip.writeMemory(writePointer, Array(image[sent..<(sent + count)]))
            sent += count
            writePointer += UInt32(count)
            if writePointer >= fifoEnd { writePointer = fifo + 8 }
            try chip.write32(fifo, writePointer)
        }
    }

    /// OpenOCD 0.12's STM32F2/F4 algorithm (`stm32f2x.inc`): `ldr.w r8,[r0]; cmp.w r8,#0`, CR <- PG|PSIZE x16
    /// from its literal, `ldrh.w`/`strh.w` post-indexed into flash, DSB, BSY at SR bit 16, errors 0xF0.
    static func openOCDF4Algorithm() -> [UInt8]? {
        let prefix: [UInt8] = [0xD0, 0xF8, 0x00, 0x80, 0xB8, 0xF1, 0x00, 0x0F]
        guard let candidate = loader(in: "/usr/bin/openocd", prefix: prefix, literals: 1, containing: [0x26, 0x61])
        else { return nil }
        return candidate
    }

    @Test
    func openOCDStm32f4AsyncAlgorithmProgramsFlash() throws {
        let algorithm = try #require(Self.openOCDF4Algorithm())
        let chip = try ChipTestSupport.chip("stm32f4-discovery")
        chip.reset(halt: true)
        try chip.write32(0xE000_EDF0, 0xA05F_0003)
        try chip.write32(0x4002_3C04, 0x4567_0123)
        try chip.write32(0x4002_3C04, 0xCDEF_89AB)
        chip.flash.replace(with: [UInt8](repeating: 0, count: 0x4000))
        try chip.write32(0x4002_3C10, 0x2 | 0 << 3 | 1 << 8 | 1 << 16)   // erase sector 0 at x16
        let code: UInt32 = 0x2000_0000, fifo: UInt32 = 0x2000_0200, fifoEnd: UInt32 = 0x2000_0200 + 8 + 512
        let image = (0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 512) }
        try chip.writeMemory(code, algorithm)
        try chip.write32(fifo, fifo + 8)
        try chip.write32(fifo + 4, fifo + 8)
        let registers: [(UInt32, UInt32)] = [(0, fifo), (1, fifoEnd), (2, 0x0800_0000), (3, UInt32(image.count / 2)),
                                             (4, 0x4002_3C00), (15, code), (16, 0x0100_0000)]
        for (register, value) in registers { try chip.writeCoreRegister(register, value) }
        try chip.write32(0xE000_EDF0, 0xA05F_0001)
        try Self.feedFIFO(chip, image: image, fifo: fifo, fifoEnd: fifoEnd)
        var state = try chip.read32(0xE000_EDF0)
        for _ in 0..<100 where state & 0x2_0000 == 0 { state = try chip.read32(0xE000_EDF0) }
        #expect(chip.haltReason == .breakpoint(0))
        #expect(try chip.readCoreRegister(0) & 0xF0 == 0)
        #expect(try chip.readMemory(0x0800_0000, count: image.count) == image)
    }

    static let libstlink = "/usr/lib/x86_64-linux-gnu/libstlink.so.1.7.0"

    /// The bytes from `prefix` to the loader's `bkpt #0` and the literal words after it.
    static func loader(in path: String, prefix: [UInt8], literals: Int, containing: [UInt8] = []) -> [UInt8]? {
        guard let file = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](file)
        var index = 0
        while index + 256 < bytes.count {
            if bytes[index] == prefix[0], Array(bytes[index..<(index + prefix.count)]) == prefix {
                var end = index + prefix.count
                while end < index + 200, !(bytes[end] == 0x00 && bytes[end + 1] == 0xBE) { end += 2 }
                // bkpt, then a nop to align the literal pool when needed.
                end += 2
                if end % 4 != index % 4 { end += 2 }
                let candidate = Array(bytes[index..<(end + literals * 4)])
                if containing.isEmpty || Self.contains(candidate, containing) { return candidate }
            }
            index += 1
        }
        return nil
    }

    static func contains(_ bytes: [UInt8], _ part: [UInt8]) -> Bool {
        guard bytes.count >= part.count else { return false }
        return (0...(bytes.count - part.count)).contains { Array(bytes[$0..<($0 + part.count)]) == part }
    }

    /// stlink-tools' sequence (flash_loader.c): registers r0 buffer, r1 target, r2 count, r3 bank offset, PC at
    /// the loader, DHCSR <- 0xA05F0009, poll C_HALT, then r2 must be within -7...0.
    static func runSTLinkLoader(_ chip: VirtualChip, loader: [UInt8], data: [UInt8], target: UInt32) throws -> Int32 {
        try chip.writeMemory(0x2000_0000, loader)
        try chip.writeMemory(0x2000_0000 + UInt32(loader.count), data)
        let registers: [(UInt32, UInt32)] = [(0, 0x2000_0000 + UInt32(loader.count)), (1, target),
                                             (2, UInt32(data.count)), (3, 0), (15, 0x2000_0000)]
        for (register, value) in registers { try chip.writeCoreRegister(register, value) }
        try chip.write32(0xE000_EDF0, 0xA05F_0009)
        var state = try chip.read32(0xE000_EDF0)
        for _ in 0..<50 where state & 0x2 == 0 { state = try chip.read32(0xE000_EDF0) }
        #expect(state & 0x2 != 0, "the loader did not halt")
        return Int32(bitPattern: try chip.readCoreRegister(2))
    }

    @Test
    func stlinkVLLoaderProgramsF1Flash() throws {
        // Two NOPs, then `ldr r7, flash_base; add r7, r3` (flashloaders/stm32f0.s).
        let prefix: [UInt8] = [0x00, 0xBF, 0x00, 0xBF, 0x0E, 0x4F, 0x1F, 0x44]
        let loader = try #require(Self.loader(in: Self.libstlink, prefix: prefix, literals: 3))
        let chip = try ChipTestSupport.chip("bluepill")
        chip.reset(halt: true)
        try chip.write32(0xE000_EDF0, 0xA05F_0003)
        try chip.write32(0x4002_2004, 0x4567_0123)
        try chip.write32(0x4002_2004, 0xCDEF_89AB)
        let page = (0..<1024).map { UInt8(truncatingIfNeeded: $0 ^ 0x5A) }
        let result = try Self.runSTLinkLoader(chip, loader: loader, data: page, target: 0x0800_0000)
        #expect((-7...0).contains(result))
        #expect(chip.flash.read(0x0800_0000, count: 1024) == page)
        #expect(try chip.read32(0x4002_2010) & 0x1 == 0)  // the loader cleared PG
    }

    @Test
    func stlinkF4LoaderProgramsWords() throws {
        let prefix: [UInt8] = [0xDF, 0xF8, 0x24, 0xC0, 0xDF, 0xF8, 0x24, 0xA0, 0xE2, 0x44, 0x04, 0x68, 0x0C, 0x60]
        let loader = try #require(Self.loader(in: Self.libstlink, prefix: prefix, literals: 2))
        let chip = try ChipTestSupport.chip("stm32f4-discovery")
        chip.reset(halt: true)
        try chip.write32(0xE000_EDF0, 0xA05F_0003)
        try chip.write32(0x4002_3C04, 0x4567_0123)
        try chip.write32(0x4002_3C04, 0xCDEF_89AB)
        try chip.write32(0x4002_3C10, 2 << 8 | 1)  // PSIZE x32, PG: stlink-tools sets them before the runs
        let data = (0..<4096).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let result = try Self.runSTLinkLoader(chip, loader: loader, data: data, target: 0x0800_4000)
        #expect((-7...0).contains(result))
        #expect(chip.flash.read(0x0800_4000, count: 4096) == data)
        #expect(try chip.read32(0x4002_3C0C) & 0xF2 == 0)
    }
}
