import BoardCatalog
import Testing

@testable import Flash

/// An error of a chosen kind, as a programmer's USB or DFU error would classify itself.
struct InjectedFailure: FlashFailureClassifying, CustomStringConvertible {
    var flashFailureKind: FlashFailureKind
    var description: String { "injected \(flashFailureKind)" }
}

/// A NOR target whose `program` and `read` calls fail on cue: call numbers (1-based) mapped to a failure kind.
final class FaultyTarget: FlashTarget {
    let inner: NORFlashTarget
    var programFailures: [Int: FlashFailureKind] = [:]
    var readFailures: [Int: FlashFailureKind] = [:]
    private var programs = 0
    private var reads = 0

    init(_ inner: NORFlashTarget) { self.inner = inner }

    var capabilities: FlashCapabilities { inner.capabilities }

    func read(address: UInt64, count: Int) throws -> [UInt8] {
        reads += 1
        if let kind = readFailures[reads] { throw InjectedFailure(flashFailureKind: kind) }
        return try inner.read(address: address, count: count)
    }

    func erase(sector: Sector) throws { try inner.erase(sector: sector) }
    func massErase() throws { try inner.massErase() }

    func program(address: UInt64, bytes: [UInt8]) throws {
        programs += 1
        if let kind = programFailures[programs] { throw InjectedFailure(flashFailureKind: kind) }
        try inner.program(address: address, bytes: bytes)
    }
}

@Suite struct FlashFaultHandlingTests {
    let region = MemoryRegion(name: "flash", kind: .flash, start: 0x0800_0000, size: 16 << 10,
                              sectors: [SectorGroup(size: 4 << 10, count: 4)], writeUnit: 4)

    func run(_ target: FlashTarget, _ image: [UInt8], at address: UInt64 = 0x0800_0000,
             options: FlashOptions = FlashOptions()) throws(FlashError) -> (FlashReport, [FlashEvent]) {
        let source = InMemoryFlashSource(segments: [(address: address, bytes: image)])
        let plan = try FlashPlanner(memory: [region]).plan(source.ranges, options: options)
        var events: [FlashEvent] = []
        let report = try FlashExecutor(target: target) { events.append($0) }.run(plan, source: source)
        return (report, events)
    }

    func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 * 13 + 5) } }

    @Test func oneStallIsRetriedAndTheSectorVerifiedEvenWithoutVerify() throws {
        let target = FaultyTarget(NORFlashTarget(region: region))
        target.programFailures = [3: .stalled]
        let (report, events) = try run(target, pattern(6000), options: FlashOptions(verify: false))
        #expect(report.retries == 1)
        #expect(report.bytesVerified == 4096, "only the retried sector is verified under --no-verify")
        #expect(events.contains(.retrying(operation: "program", address: 0x0800_0800, reason: "injected stalled")))
        #expect(Array(target.inner.bytes.prefix(6000)) == pattern(6000))
    }

    @Test func aSecondStallEndsTheRunAsInterrupted() {
        let target = FaultyTarget(NORFlashTarget(region: region))
        target.programFailures = [2: .stalled, 3: .stalled]
        #expect {
            try run(target, pattern(6000))
        } throws: { error in
            guard case FlashError.interrupted(let stop) = error else { return false }
            return stop.kind == .stalled && stop.address == 0x0800_0400 && stop.bytesWritten == 1024
                && stop.changing == 0x0800_0000..<0x0800_1000
        }
    }

    @Test func anUnplugNamesTheAddressTheBytesWrittenAndTheHalfWrittenSector() {
        let target = FaultyTarget(NORFlashTarget(region: region))
        target.programFailures = [6: .disconnected]
        #expect {
            try run(target, pattern(8000))
        } throws: { error in
            guard case FlashError.interrupted(let stop) = error else { return false }
            let text = "\(error)"
            return stop.address == 0x0800_1400 && stop.bytesWritten == 5120
                && text.hasPrefix("the device disappeared during program at 0x08001400, after 5120 bytes written: "
                    + "check the cable and the hub, replug the device; the flash at 0x08001000..0x08001FFF may be "
                    + "half-written, so flash again")
        }
    }

    @Test func aTimeoutWhileComparingSaysNothingIsHalfWritten() {
        let target = FaultyTarget(NORFlashTarget(region: region))
        target.readFailures = [1: .timedOut]
        #expect {
            try run(target, pattern(100))
        } throws: { error in
            "\(error)".hasPrefix("the device stopped answering during read at 0x08000000, after 0 bytes written: "
                + "replug or power-cycle the board, then flash again")
        }
    }

    @Test func aRefusalIsNotRetried() {
        let target = FaultyTarget(NORFlashTarget(region: region))
        target.programFailures = [1: .refused]
        #expect {
            try run(target, pattern(100))
        } throws: { error in
            guard case FlashError.targetFailed(let operation, let address, _) = error else { return false }
            return operation == "program" && address == 0x0800_0000
        }
    }
}
