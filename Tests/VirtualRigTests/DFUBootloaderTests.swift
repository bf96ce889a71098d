import BoardCatalog
import Testing

@testable import VirtualRig

@Suite struct DFUBootloaderTests {
    @Test func downloadWritesSequentialBlocksFromTheBase() throws {
        let board = try Fixtures.testBoard()
        let model = try DFUBootloader(chip: board.chip, boardName: board.name, serial: "S", base: 0x0800_0400,
                                      clock: VirtualClock(timeScale: 0))
        let host = DFUHost(model: model)
        #expect(host.download(block: 0, [1, 2, 3, 4]) == .ack)
        #expect(host.status()?.state == .dfuDNBUSY)
        #expect(host.status()?.state == .dfuDNLOAD_IDLE)
        host.download(block: 1, [5, 6])
        _ = host.status()
        _ = host.status()
        #expect(host.download(block: 2, []) == .ack)
        #expect(host.status() == DFUStatusRecord(status: .ok, pollTimeout: 0, state: .dfuIDLE))
        #expect(model.flash.read(0x0800_0400, count: 7) == [1, 2, 3, 4, 5, 6, 0xFF])
        #expect(host.upload(block: 0, length: 3) == .data([1, 2, 3]))
        #expect(host.upload(block: 1, length: 3) == .data([4, 5, 6]))
    }

    @Test func eachDownloadErasesTheSectorsItTouches() throws {
        let board = try Fixtures.testBoard()
        let model = try DFUBootloader(chip: board.chip, boardName: board.name, serial: "S",
                                      clock: VirtualClock(timeScale: 1))
        try model.flash.program(0x0800_0000, [0, 0, 0, 0, 0, 0, 0, 0])
        let host = DFUHost(model: model)
        host.download(block: 0, [0xAA, 0xAA])
        // One 1K sector erased (2 ms) plus one 4-byte unit programmed (10 us): 2.01 ms, rounded up.
        #expect(host.status()?.pollTimeout == 3)
        _ = host.status()
        #expect(model.flash.read(0x0800_0000, count: 4) == [0xAA, 0xAA, 0xFF, 0xFF])
    }

    @Test func zeroLengthDownloadInIdleIsAnError() throws {
        let board = try Fixtures.testBoard()
        let host = DFUHost(model: try DFUBootloader(chip: board.chip, boardName: board.name, serial: "S",
                                                    clock: VirtualClock(timeScale: 0)))
        #expect(host.download(block: 0, []) == .stall)
        #expect(host.state() == .dfuERROR)
    }

    @Test func declaresPlainDFU11() throws {
        let board = try Fixtures.testBoard()
        let model = try DFUBootloader(chip: board.chip, boardName: board.name, serial: "S",
                                      clock: VirtualClock(timeScale: 0))
        #expect(Array(model.configurationDescriptor.suffix(9)) == [9, 0x21, 0x07, 255, 0, 0x00, 0x04, 0x10, 0x01])
        #expect(model.strings[3] == "S")
    }
}
