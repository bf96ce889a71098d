import BoardCatalog
import Foundation
import Testing

@testable import Programmers

/// The nRF52 NVMC steps through the shared debug layer, over the scripted CMSIS-DAP probe.
@Suite struct NRF52FlashTargetTests {
    static let boards = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Boards").path

    func board() throws -> Board { try BoardCatalog.load(folders: [Self.boards]).board("nrf52840dk") }

    func connected(part: UInt32 = 0x0005_2840) throws -> (ScriptedDAP, CMSISDAPProbe, [(UInt32, UInt32)]) {
        let device = ScriptedDAP()
        device.words[0x1000_0100] = part
        let probe = try CMSISDAPProbe(transport: device)
        probe.sleep = { _ in }
        try probe.connect()
        return (device, probe, [])
    }

    @Test func eraseSelectsEENWritesThePageAndWriteSelectsWENOnceForManyWords() throws {
        let (device, probe, _) = try connected()
        let target = try NRF52FlashTarget(probe: probe, board: try board())
        #expect(target.capabilities.maxTransferSize == 4096)
        #expect(device.words[0x2000_0400] == LE.u32(STM32Loaders.crc32, at: 0), "CRC routine loaded after the table")
        var writes: [(UInt32, UInt32)] = []
        device.onWrite = { writes.append(($0, $1)) }
        try target.erase(sector: Sector(index: 3, start: 0x3000, size: 4096))
        #expect(writes.map { [$0.0, $0.1] } == [[0x4001_E504, 2], [0x4001_E508, 0x3000]])
        writes.removeAll()
        try target.program(address: 0x3000, bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        try target.program(address: 0x3008, bytes: [9, 9, 9, 9])
        #expect(writes.map { [$0.0, $0.1] } == [[0x4001_E504, 1], [0x3000, 0x0403_0201], [0x3004, 0x0807_0605],
                                                [0x3008, 0x0909_0909]])
        try target.finish()
        #expect(device.words[0x4001_E504] == 0)
        try target.massErase()
        #expect(writes.suffix(2).map { [$0.0, $0.1] } == [[0x4001_E504, 2], [0x4001_E50C, 1]])
        #expect(throws: DebugError.self) { try target.program(address: 0x3002, bytes: [1, 2]) }
    }

    @Test func aBusyNVMCEndsInANamedError() throws {
        let (device, probe, _) = try connected()
        let target = try NRF52FlashTarget(probe: probe, board: try board())
        target.operationTimeout = .zero
        device.words[0x4001_E400] = 0
        #expect(throws: DebugError.self) { try target.erase(sector: Sector(index: 0, start: 0, size: 4096)) }
    }

    @Test func anotherPartIsRefusedNamingBoth() throws {
        let (_, probe, _) = try connected(part: 0x0005_2832)
        #expect(throws: DebugError.wrongChip(board: "nrf52840dk's nrf52840", expected: "part 0x52840, DP IDCODE "
                                                 + "0x2BA01477", found: "part 0x52832, DP IDCODE 0x2BA01477")) {
            try NRF52FlashTarget(probe: probe, board: try board())
        }
    }
}
