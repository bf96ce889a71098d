import BoardCatalog
import Testing

@testable import Flash

/// A plain-DFU-like target over NOR memory: one stream from `base`, each sector erased when the stream first
/// reaches it, reads from anywhere at or above the base.
final class StreamTarget: FlashTarget {
    let inner: NORFlashTarget
    let base: UInt64
    var streams = 0
    var stallFirstStream = false

    init(_ inner: NORFlashTarget, base: UInt64) {
        self.inner = inner
        self.base = base
    }

    var capabilities: FlashCapabilities {
        FlashCapabilities(maxTransferSize: 1024, canEraseSectors: false, canMassErase: false, streamBase: base)
    }

    func read(address: UInt64, count: Int) throws -> [UInt8] { try inner.read(address: address, count: count) }
    func erase(sector: Sector) throws { Issue.record("a stream target is never asked to erase") }
    func massErase() throws { Issue.record("a stream target is never asked to mass-erase") }
    func program(address: UInt64, bytes: [UInt8]) throws { Issue.record("a stream target is never asked to program") }

    func writeStream(count: Int, bytes: (Range<Int>) throws -> [UInt8], written: (Int) -> Void) throws {
        streams += 1
        var erased: Set<Int> = []
        var offset = 0
        while offset < count {
            let range = offset..<min(count, offset + 1024)
            let address = base + UInt64(offset)
            if stallFirstStream, streams == 1, offset >= 2048 { throw InjectedFailure(flashFailureKind: .stalled) }
            if let sector = inner.region.sector(containing: address), erased.insert(sector.index).inserted {
                try inner.erase(sector: sector)
            }
            try inner.program(address: address, bytes: try bytes(range))
            offset = range.upperBound
            written(offset)
        }
    }
}

@Suite struct StreamFlashTests {
    let region = MemoryRegion(name: "flash", kind: .flash, start: 0x0800_0000, size: 16 << 10,
                              sectors: [SectorGroup(size: 4 << 10, count: 4)], writeUnit: 4)

    func run(_ target: StreamTarget, _ image: [UInt8], at address: UInt64,
             options: FlashOptions = FlashOptions()) throws(FlashError) -> FlashReport {
        let source = InMemoryFlashSource(segments: [(address: address, bytes: image)])
        let plan = try FlashPlanner(memory: [region]).plan(source.ranges, options: options)
        return try FlashExecutor(target: target).run(plan, source: source)
    }

    func pattern(_ count: Int, seed: Int = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 * 11 + seed) }
    }

    @Test func theSpanFromTheBaseIsRewrittenKeepingWhatTheImageDoesNotCover() throws {
        let target = StreamTarget(NORFlashTarget(region: region), base: 0x0800_0000)
        let old = pattern(12 << 10, seed: 3)
        try target.inner.program(address: 0x0800_0000, bytes: old)
        let image = pattern(100, seed: 9)
        let report = try run(target, image, at: 0x0800_1010)
        var expected = old
        expected.replaceSubrange(0x1010..<0x1074, with: image)
        #expect(Array(target.inner.bytes.prefix(12 << 10)) == expected)
        #expect(target.streams == 1)
        #expect(report.bytesWritten == 0x2000, "from the base to the end of the touched sector")
        #expect(report.bytesVerified == 0x2000)
    }

    @Test func everyPassGoesATransferAtATime() throws {
        let target = StreamTarget(NORFlashTarget(region: region), base: 0x0800_0000)
        _ = try run(target, pattern(15_000), at: 0x0800_0000)
        #expect(target.inner.largestRead <= 1024)
        #expect(Array(target.inner.bytes.prefix(15_000)) == pattern(15_000))
    }

    @Test func keptBytesAreOnlyWhatTheImageDoesNotCover() {
        var kept = KeptBytes()
        kept.append(0x10..<0x14, [1, 2, 3, 4][...])
        kept.append(0x14..<0x16, [5, 6][...])
        kept.append(0x20..<0x21, [7][...])
        #expect(kept.runs.map(\.range) == [0x10..<0x16, 0x20..<0x21])
        var buffer = [UInt8](repeating: 0, count: 0x10)
        kept.copy(into: &buffer, at: 0x12..<0x22)
        #expect(buffer == [3, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0])
    }

    @Test func fullBlanksTheRestOfTheTouchedSectorOnly() throws {
        let target = StreamTarget(NORFlashTarget(region: region), base: 0x0800_0000)
        try target.inner.program(address: 0x0800_0000, bytes: pattern(8 << 10, seed: 1))
        _ = try run(target, [1, 2, 3, 4], at: 0x0800_1000, options: FlashOptions(full: true))
        #expect(Array(target.inner.bytes.prefix(0x1000)) == pattern(0x1000, seed: 1))
        #expect(Array(target.inner.bytes[0x1000..<0x1004]) == [1, 2, 3, 4])
        #expect(target.inner.bytes[0x1004..<0x2000].allSatisfy { $0 == 0xFF })
    }

    @Test func anUnchangedDeviceIsNotWritten() throws {
        let target = StreamTarget(NORFlashTarget(region: region), base: 0x0800_0000)
        _ = try run(target, pattern(5000), at: 0x0800_0000)
        let report = try run(target, pattern(5000), at: 0x0800_0000)
        #expect(target.streams == 1)
        #expect(report.bytesWritten == 0 && report.sectorsSkipped == 2)
    }

    @Test func aStalledStreamIsRestartedOnceAndVerified() throws {
        let target = StreamTarget(NORFlashTarget(region: region), base: 0x0800_0000)
        target.stallFirstStream = true
        let report = try run(target, pattern(5000), at: 0x0800_0000, options: FlashOptions(verify: false))
        #expect(target.streams == 2)
        #expect(report.retries == 1 && report.bytesVerified == 0x2000)
    }

    @Test func aBitFlipOnReadBackFailsVerification() {
        let target = StreamTarget(NORFlashTarget(region: region), base: 0x0800_0000)
        target.inner.flipOnRead = 0x0800_0123
        #expect {
            try run(target, pattern(5000), at: 0x0800_0000)
        } throws: { error in
            guard case FlashError.verifyMismatch(let address, _, _) = error else { return false }
            return address == 0x0800_0123
        }
    }

    @Test func anImageBelowTheBaseIsRefusedBeforeWriting() {
        let target = StreamTarget(NORFlashTarget(region: region), base: 0x0800_1000)
        #expect {
            try run(target, pattern(10), at: 0x0800_0000)
        } throws: { error in
            guard case FlashError.belowStreamBase(let image, let base) = error else { return false }
            return image == 0x0800_0000 && base == 0x0800_1000
        }
        #expect(target.streams == 0)
    }
}
