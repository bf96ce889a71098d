import BoardCatalog
import Testing

@testable import VirtualRig

@Suite struct DfuSeBootloaderTests {
    let model: DfuSeBootloader
    let host: DFUHost

    init() throws {
        model = try DfuSeBootloader(chip: try Fixtures.testBoard().chip, serial: "TEST00000001",
                                    clock: VirtualClock(timeScale: 0))
        host = DFUHost(model: model)
    }

    @Test func startsIdleWithOKStatus() {
        #expect(host.status() == DFUStatusRecord(status: .ok, pollTimeout: 0, state: .dfuIDLE))
        #expect(host.state() == .dfuIDLE)
    }

    @Test func firstStatusAfterACommandIsBusyThenIdle() {
        let (first, second) = host.execute(0x21, address: 0x0800_0400)
        #expect(first?.state == .dfuDNBUSY)
        #expect(first?.status == .ok)
        #expect(second == DFUStatusRecord(status: .ok, pollTimeout: 0, state: .dfuDNLOAD_IDLE))
        #expect(model.addressPointer == 0x0800_0400)
    }

    @Test func eraseWriteAndReadBack() throws {
        _ = host.execute(0x41, address: 0x0800_0000)
        _ = host.execute(0x21, address: 0x0800_0000)
        #expect(host.download(block: 2, [0x12, 0x34, 0x56, 0x78]) == .ack)
        #expect(host.status()?.state == .dfuDNBUSY)
        #expect(host.status()?.state == .dfuDNLOAD_IDLE)
        host.abort()
        #expect(host.state() == .dfuIDLE)
        #expect(host.upload(block: 2, length: 6) == .data([0x12, 0x34, 0x56, 0x78, 0xFF, 0xFF]))
    }

    @Test func uploadUsesTheFirstBlockSizeForLaterShortBlocks() {
        _ = host.execute(0x21, address: 0x0800_0000)
        host.abort()
        // Block 2 of 1024 bytes, then a short block 3 of 16: it starts at 1024, not at 16.
        _ = host.upload(block: 2, length: 1024)
        model.flash.restore(model.flash.bytes.enumerated().map { UInt8($0.offset & 0xFF) ^ 0x5A })
        #expect(host.upload(block: 3, length: 16) == .data((1024..<1040).map { UInt8($0 & 0xFF) ^ 0x5A }))
        #expect(host.state() == .dfuUPLOAD_IDLE)
    }

    @Test func shortUploadReturnsToIdle() {
        _ = host.execute(0x21, address: 0x0800_2FFC)
        host.abort()
        #expect(host.upload(block: 2, length: 64) == .data([0xFF, 0xFF, 0xFF, 0xFF]))
        #expect(host.state() == .dfuIDLE)
    }

    @Test func uploadBlockZeroListsTheCommands() {
        #expect(host.upload(block: 0, length: 4) == .data([0x00, 0x21, 0x41, 0x92]))
    }

    @Test func unknownCommandStallsAndEntersError() {
        #expect(host.command(0x55) == .stall)
        #expect(host.status() == DFUStatusRecord(status: .errSTALLEDPKT, pollTimeout: 0, state: .dfuERROR))
        host.clearStatus()
        #expect(host.status() == DFUStatusRecord(status: .ok, pollTimeout: 0, state: .dfuIDLE))
    }

    @Test func addressOutsideEveryMemoryIsErrTarget() {
        let (first, second) = host.execute(0x21, address: 0x0900_0000)
        #expect(first?.state == .dfuDNBUSY)
        #expect(second == DFUStatusRecord(status: .errTARGET, pollTimeout: 0, state: .dfuERROR))
    }

    @Test func writePastTheEndOfFlashIsErrAddress() {
        _ = host.execute(0x21, address: 0x0800_2FFE)
        host.download(block: 2, [1, 2, 3, 4])
        _ = host.status()
        #expect(host.status()?.status == .errADDRESS)
    }

    @Test func massEraseClearsEverything() {
        model.flash.restore([UInt8](repeating: 0, count: model.flash.bytes.count))
        _ = host.execute(0x41)
        #expect(model.flash.bytes.allSatisfy { $0 == 0xFF })
    }

    @Test func readProtectionRefusesUntilUnprotect() {
        model.readProtected = true
        let (_, erase) = host.execute(0x41, address: 0x0800_0000)
        #expect(erase?.status == .errVENDOR)
        host.clearStatus()
        _ = host.execute(0x92)
        #expect(model.readProtected == false)
    }

    @Test func leaveAnswersManifest() {
        #expect(host.download(block: 2, []) == .ack)
        #expect(host.status()?.state == .dfuMANIFEST)
    }

    @Test func stateOnlyChangesOnRequestsValidInIt() {
        #expect(host.upload(block: 1, length: 16) == .stall)
        #expect(host.state() == .dfuERROR)
        #expect(host.abort() == .stall)
        host.clearStatus()
        #expect(host.state() == .dfuIDLE)
    }

    @Test func pollTimeoutsComeFromTheDatasheetTimesTimesScale() throws {
        let board = try Fixtures.testBoard()
        let slow = try DfuSeBootloader(chip: board.chip, serial: "S", clock: VirtualClock(timeScale: 1))
        let host = DFUHost(model: slow)
        #expect(host.execute(0x41, address: 0x0800_0000).0?.pollTimeout == 2)
        #expect(host.execute(0x41, address: 0x0800_1000).0?.pollTimeout == 5)
        #expect(host.execute(0x41).0?.pollTimeout == 40)
        _ = host.execute(0x21, address: 0x0800_0000)
        host.download(block: 2, [UInt8](repeating: 0, count: 2048))
        // 512 words of 10 us each: 5.12 ms, rounded up so the host never polls early.
        #expect(host.status()?.pollTimeout == 6)
        let half = try DfuSeBootloader(chip: board.chip, serial: "S", clock: VirtualClock(timeScale: 0.5))
        #expect(DFUHost(model: half).execute(0x41).0?.pollTimeout == 20)
    }

    @Test func earlyPollWaitsForTheChip() throws {
        var now: UInt64 = 1_000
        let clock = VirtualClock(timeScale: 1, now: { now })
        let slow = try DfuSeBootloader(chip: try Fixtures.testBoard().chip, serial: "S", clock: clock)
        let host = DFUHost(model: slow)
        host.command(0x41)
        #expect(host.status()?.pollTimeout == 40)
        now += 10_000
        #expect(host.status()?.state == .dfuDNLOAD_IDLE)
        #expect(slow.takeReplyDelay() == 30_000)
    }
}
