import BoardCatalog
import Testing

@testable import Flash

@Suite struct FlashExecutorTests {
    func pattern(_ count: Int, seed: UInt8 = 0) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7 + Int(seed)) } }

    func flash(_ segments: [(UInt64, [UInt8])], into target: NORFlashTarget, options: FlashOptions = FlashOptions())
        throws -> (FlashReport, [FlashEvent])
    {
        let source = InMemoryFlashSource(segments: segments.map { (address: $0.0, bytes: $0.1) })
        let plan = try FlashPlanner(memory: [target.region]).plan(source.ranges, options: options)
        var events: [FlashEvent] = []
        let report = try FlashExecutor(target: target) { events.append($0) }.run(plan, source: source)
        return (report, events)
    }

    @Test func firstFlashWritesAndVerifiesTheImage() throws {
        let target = NORFlashTarget(region: f4Flash)
        let image = pattern(40_000)
        let (report, events) = try flash([(0x0800_0000, image)], into: target)
        #expect(Array(target.bytes[0..<image.count]) == image)
        #expect(report.sectorsTouched == 3)
        #expect(report.sectorsErased == 0, "a blank device needs no erase")
        #expect(report.bytesVerified == 48 << 10)
        #expect(events.first == .planned(sectors: 3, imageBytes: 40_000))
        guard case .writing(_, _, let done, let total) = events.last(where: { if case .writing = $0 { true } else { false } }) else {
            Issue.record("no writing event")
            return
        }
        #expect(done == total)
    }

    @Test func reflashingTheSameImageErasesAndWritesNothing() throws {
        let target = NORFlashTarget(region: f4Flash)
        let image = pattern(100_000)
        _ = try flash([(0x0800_0000, image)], into: target)
        let calls = target.programCalls
        let (report, _) = try flash([(0x0800_0000, image)], into: target)
        #expect(report.sectorsSkipped == report.sectorsTouched)
        #expect(report.bytesWritten == 0)
        #expect(target.programCalls == calls)
        #expect(target.erasedSectors.isEmpty)
    }

    @Test func changingOneBlockTouchesOneSectorOnly() throws {
        let target = NORFlashTarget(region: f4Flash)
        var image = pattern(256 << 10)
        _ = try flash([(0x0800_0000, image)], into: target)
        image[0x21000] ^= 0xFF  // inside sector 5 (128K at 0x08020000)
        let (report, _) = try flash([(0x0800_0000, image)], into: target)
        #expect(target.erasedSectors == [5])
        #expect(report.sectorsErased == 1)
        #expect(report.sectorsSkipped == report.sectorsTouched - 1)
        #expect(Array(target.bytes[0..<image.count]) == image)
    }

    @Test func bytesOfATouchedSectorOutsideTheImageArePreserved() throws {
        let target = NORFlashTarget(region: f4Flash)
        _ = try flash([(0x0800_0000, pattern(16 << 10, seed: 3))], into: target)
        let before = Array(target.bytes[0x100..<0x4000])
        _ = try flash([(0x0800_0000, [0x00, 0x01, 0x02, 0x03])], into: target)
        #expect(target.erasedSectors == [0])
        #expect(Array(target.bytes[0..<4]) == [0, 1, 2, 3])
        #expect(Array(target.bytes[0x100..<0x4000]) == before)
    }

    @Test func fullErasesTheRestOfTheSector() throws {
        let target = NORFlashTarget(region: f4Flash)
        _ = try flash([(0x0800_0000, pattern(16 << 10, seed: 3))], into: target)
        _ = try flash([(0x0800_0000, [0x00, 0x01, 0x02, 0x03])], into: target, options: FlashOptions(full: true))
        #expect(Array(target.bytes[0..<4]) == [0, 1, 2, 3])
        #expect(target.bytes[4..<0x4000].allSatisfy { $0 == 0xFF })
    }

    @Test func massEraseErasesOnceAndNeverCompares() throws {
        let target = NORFlashTarget(region: f4Flash)
        _ = try flash([(0x0800_0000, pattern(64))], into: target)
        let readBefore = target.bytesRead
        let (report, _) = try flash([(0x0800_0000, pattern(64, seed: 9))], into: target, options: FlashOptions(verify: false, massErase: true))
        #expect(target.erasedSectors == [-1])
        #expect(report.massErased)
        #expect(target.bytesRead == readBefore)
        #expect(Array(target.bytes[0..<64]) == pattern(64, seed: 9))
    }

    @Test func aBitFlipOnReadBackIsAVerifyMismatchNamingTheAddress() {
        let target = NORFlashTarget(region: f4Flash)
        target.flipOnRead = 0x0800_0010
        #expect {
            try flash([(0x0800_0000, pattern(16 << 10))], into: target)
        } throws: { error in
            guard case FlashError.verifyMismatch(let address, _, _) = error else { return false }
            return address == 0x0800_0010
        }
    }

    @Test func noVerifyDoesNotReadBack() throws {
        let target = NORFlashTarget(region: f4Flash)
        let (report, _) = try flash([(0x0800_0000, pattern(16 << 10))], into: target, options: FlashOptions(verify: false))
        #expect(report.bytesVerified == 0)
        #expect(target.bytesRead == 16 << 10, "one read to compare, none to verify")
    }

    @Test func onTargetChecksumSkipsWithoutReadingBack() throws {
        let target = NORFlashTarget(region: f4Flash)
        target.offersChecksum = true
        let image = pattern(128 << 10)
        _ = try flash([(0x0800_0000, image)], into: target)
        let readAfterFirstFlash = target.bytesRead
        let (report, _) = try flash([(0x0800_0000, image)], into: target)
        #expect(report.sectorsSkipped == report.sectorsTouched)
        #expect(target.bytesRead == readAfterFirstFlash)
    }

    @Test func transfersNeverExceedTheProgrammersSizeAndMemoryStaysPerSector() throws {
        let target = NORFlashTarget(region: f4Flash, maxTransfer: 2048)
        _ = try flash([(0x0800_0000, pattern(1 << 20))], into: target)
        _ = try flash([(0x0800_0000, pattern(1 << 20, seed: 1))], into: target)
        #expect(target.largestRead <= 2048)
        #expect(target.programCalls == (1 << 20) / 2048 * 2)
    }

    @Test func aRefusedProgramNamesTheAddress() {
        final class StuckTarget: FlashTarget {
            let capabilities = FlashCapabilities(maxTransferSize: 256)
            struct Stalled: Error, CustomStringConvertible { var description: String { "the device stalled" } }
            func read(address: UInt64, count: Int) throws -> [UInt8] { [UInt8](repeating: 0xFF, count: count) }
            func erase(sector: Sector) throws {}
            func massErase() throws {}
            func program(address: UInt64, bytes: [UInt8]) throws { if address >= 0x0800_0200 { throw Stalled() } }
        }
        let source = InMemoryFlashSource(segments: [(address: 0x0800_0000, bytes: pattern(1024))])
        #expect {
            let plan = try FlashPlanner(memory: f4Memory).plan(source.ranges)
            try FlashExecutor(target: StuckTarget()).run(plan, source: source)
        } throws: { error in
            "\(error)" == "program at 0x08000200 failed: the device stalled"
        }
    }
}
