import BoardCatalog
import Testing

@testable import Flash

/// Programmers with a chip erase and no sector erase (AVR over ISP): the core erases the chip only when a
/// touched sector needs bits set back to 1, and then writes back everything it read first.
@Suite struct MassEraseOnlyFlashTests {
    /// The ATmega328P's flash: 256 pages of 128 bytes.
    let avr = MemoryRegion(name: "flash", kind: .flash, start: 0, size: 32 << 10,
                           sectors: [SectorGroup(size: 128, count: 256)], writeUnit: 128)

    func target() -> NORFlashTarget {
        let target = NORFlashTarget(region: avr, maxTransfer: 128)
        target.capabilities = FlashCapabilities(maxTransferSize: 128, canEraseSectors: false, canMassErase: true)
        return target
    }

    func pattern(_ count: Int, seed: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 * 13 + seed) } }

    func flash(_ address: UInt64, _ bytes: [UInt8], into target: NORFlashTarget,
               options: FlashOptions = FlashOptions()) throws -> FlashReport {
        let source = InMemoryFlashSource(segments: [(address: address, bytes: bytes)])
        let plan = try FlashPlanner(memory: [avr]).plan(source.ranges, options: options)
        return try FlashExecutor(target: target).run(plan, source: source)
    }

    @Test func blankPagesAreProgrammedWithoutAnyErase() throws {
        let target = target()
        let report = try flash(0x100, pattern(1_000, seed: 1), into: target)
        #expect(target.erasedSectors.isEmpty)
        #expect(!report.massErased)
        #expect(Array(target.bytes[0x100..<0x4E8]) == pattern(1_000, seed: 1))
        #expect(report.bytesVerified == 8 * 128, "pages 2 to 9")
    }

    @Test func aChangeThatNeedsAnEraseErasesTheChipOnceAndKeepsEveryOtherByte() throws {
        let target = target()
        let old = pattern(20_000, seed: 2)
        _ = try flash(0, old, into: target)
        let patch = pattern(300, seed: 3)
        let report = try flash(0x1010, patch, into: target)
        #expect(target.erasedSectors == [-1])
        #expect(report.massErased)
        var expected = old + [UInt8](repeating: 0xFF, count: (32 << 10) - old.count)
        expected.replaceSubrange(0x1010..<0x113C, with: patch)
        #expect(target.bytes == expected)
        // Only pages that are not blank are written back.
        #expect(report.bytesWritten == UInt64((20_000 + 127) / 128 * 128))
    }

    @Test func fullBlanksTheRestOfTouchedPagesButNotOtherPages() throws {
        let target = target()
        _ = try flash(0, [UInt8](repeating: 0x00, count: 512), into: target)
        _ = try flash(0x100, [0x11, 0x22], into: target, options: FlashOptions(full: true))
        #expect(Array(target.bytes[0..<0x100]) == [UInt8](repeating: 0x00, count: 0x100))
        #expect(Array(target.bytes[0x100..<0x102]) == [0x11, 0x22])
        #expect(target.bytes[0x102..<0x180].allSatisfy { $0 == 0xFF })
        #expect(Array(target.bytes[0x180..<0x200]) == [UInt8](repeating: 0x00, count: 0x80))
    }

    @Test func theSameImageAgainWritesNothing() throws {
        let target = target()
        _ = try flash(0x200, pattern(700, seed: 4), into: target)
        let calls = target.programCalls
        let report = try flash(0x200, pattern(700, seed: 4), into: target)
        #expect(target.programCalls == calls)
        #expect(report.sectorsSkipped == report.sectorsTouched)
    }

    @Test func withoutAnyEraseAChangeThatNeedsOneIsRefusedBeforeWriting() throws {
        let target = target()
        _ = try flash(0, pattern(256, seed: 5), into: target)
        target.capabilities = FlashCapabilities(maxTransferSize: 128, canEraseSectors: false, canMassErase: false)
        let calls = target.programCalls
        #expect(throws: FlashError.self) { try flash(0, pattern(256, seed: 6), into: target) }
        #expect(target.programCalls == calls)
    }
}

extension MassEraseOnlyFlashTests {
    @Test func afterTheFirstSectorThatNeedsAnEraseCoveredSectorsAreNotReadAgain() throws {
        let target = target()
        _ = try flash(0, pattern(4_096, seed: 7), into: target)
        let before = target.bytesRead
        let report = try flash(0, pattern(4_096, seed: 8), into: target)
        #expect(report.massErased)
        // One page compared, the 224 pages outside the image kept, the image verified: pages 2 to 32 not compared.
        #expect(target.bytesRead - before == 128 + 28_672 + 4_096)
        #expect(Array(target.bytes[0..<4_096]) == pattern(4_096, seed: 8))
    }
}

extension MassEraseOnlyFlashTests {
    @Test func anImageOfTheWholeFlashOnABlankChipComparesOnePageThenErasesAndWrites() throws {
        let target = target()
        let image = pattern(32 << 10, seed: 9)
        let report = try flash(0, image, into: target)
        #expect(report.massErased)
        #expect(target.bytesRead == 128 + (32 << 10), "one page compared, everything verified")
        #expect(target.bytes == image)
        let again = try flash(0, image, into: target)
        #expect(again.sectorsSkipped == 256 && again.bytesWritten == 0)
    }
}
