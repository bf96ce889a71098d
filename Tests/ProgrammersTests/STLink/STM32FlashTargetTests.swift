import BoardCatalog
import Foundation
import Testing

@testable import Programmers

@Suite struct STM32FlashTargetTests {
    static let boards = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Boards").path

    func bluepill() throws -> Board { try BoardCatalog.load(folders: [Self.boards]).board("bluepill") }

    /// A connected probe on a halted STM32F103C8 as the chip file describes it.
    func connected(deviceID: UInt32 = 0x2003_6410, flashKiB: UInt32 = 64) throws -> (ScriptedSTLink, STLinkProbe) {
        let device = ScriptedSTLink()
        device.words[0xE004_2000] = deviceID
        device.words[0x1FFF_F7E0] = flashKiB
        device.words[0xE000_EDF0] = 0x0003_0003
        let probe = try STLinkProbe(transport: device)
        probe.sleep = { _ in }
        try probe.connect()
        return (device, probe)
    }

    @Test func openingLoadsTheRoutinesIntoSRAM() throws {
        let (device, probe) = try connected()
        let target = try STM32FlashTarget(probe: probe, board: try bluepill())
        #expect(target.capabilities.maxTransferSize == 17 * 1024)
        let loaded = device.written.map(\.address)
        #expect(loaded.contains(0x2000_0000) && loaded.contains(0x2000_0400) && loaded.contains(0x2000_0800))
        #expect(target.layout.writeParameters == 0x2000_0864 && target.layout.buffer == 0x2000_0888)
        #expect(device.words[0xE004_2004] == 0x300, "IWDG and WWDG stop while the core is halted")
    }

    /// The loader's parameter block as the host wrote it, and its results written as the routine would.
    func words(_ device: ScriptedSTLink, at address: UInt32, count: Int) -> [UInt32] {
        (0..<count).map { device.word(address + UInt32($0 * 4)) }
    }

    func finish(_ device: ScriptedSTLink, at parameters: UInt32, remaining: UInt32, status: UInt32, crc: UInt32) {
        for (index, value) in [remaining, status, crc].enumerated() {
            for (byte, part) in LE.bytes(value).enumerated() {
                device.store(part, at: parameters + 24 + UInt32(index * 4 + byte))
            }
        }
    }

    @Test func programmingSendsParametersAndDataInOneWriteAndKeepsTheSectorCRC() throws {
        let (device, probe) = try connected()
        let target = try STM32FlashTarget(probe: probe, board: try bluepill())
        let parameters = target.layout.writeParameters
        var seen: [UInt32] = []
        var pc: UInt32 = 0
        device.onRun = { device in
            seen = self.words(device, at: parameters, count: 6)
            pc = device.registers[15] ?? 0
            self.finish(device, at: parameters, remaining: 0, status: 0x20, crc: 0x1234_5678)
        }
        let bytes = (0..<1024).map { UInt8(truncatingIfNeeded: $0 * 5) }
        try target.program(address: 0x0800_0400, bytes: bytes)
        #expect(seen == [0x0800_0400, 1024, 0x4002_2000, 0x0800_0400, 1024, 0x2000_0000])
        #expect(pc == 0x2000_0800)
        #expect(try probe.readMemory(target.layout.buffer, count: 1024) == bytes)
        // The sector's CRC came with the write: the verify costs no run.
        let runs = device.sent.count
        #expect(try target.checksum(address: 0x0800_0400, count: 1024) == 0x1234_5678)
        #expect(device.sent.count == runs)
    }

    @Test func aLoaderThatStopsEarlyNamesTheFailingAddressAndTheStatusBits() throws {
        let (device, probe) = try connected()
        let target = try STM32FlashTarget(probe: probe, board: try bluepill())
        let parameters = target.layout.writeParameters
        device.onRun = { device in self.finish(device, at: parameters, remaining: 6, status: 0x10, crc: 0) }
        let failure = DebugError.flashError(operation: "programming", address: 0x0800_07FA, status: 0x10,
                                             errors: ["WRPRTERR"])
        #expect(throws: failure) {
            try target.program(address: 0x0800_0400, bytes: [UInt8](repeating: 0, count: 1024))
        }
        #expect(throws: DebugError.self) { try target.program(address: 0x0800_0401, bytes: [1, 2]) }
    }

    @Test func pageEraseWritesPERThenTheAddressThenSTRT() throws {
        let (device, probe) = try connected()
        let target = try STM32FlashTarget(probe: probe, board: try bluepill())
        let before = device.sent.count
        try target.erase(sector: Sector(index: 3, start: 0x0800_0C00, size: 1024))
        let writes = device.sent[before...].filter { $0.count >= 10 && $0[1] == 0x35 }
            .map { [LE.u32($0, at: 2), LE.u32($0, at: 6)] }
        #expect(writes.contains([0x4002_2010, 0x2]))
        #expect(writes.contains([0x4002_2014, 0x0800_0C00]))
        #expect(writes.contains([0x4002_2010, 0x42]))
        #expect(writes.last == [0x4002_2010, 0])
    }

    @Test func oneCRCRunAnswersForTheFollowingSectorsToo() throws {
        let (device, probe) = try connected()
        let target = try STM32FlashTarget(probe: probe, board: try bluepill())
        let parameters = target.layout.crcParameters
        var ranges: [UInt32] = []
        device.onRun = { device in
            ranges = self.words(device, at: parameters, count: 2)
            for index in 0..<Int(ranges[0]) {
                let entry = parameters + 8 + UInt32(index * 12)
                for (byte, part) in LE.bytes(0xC0DE_0000 + UInt32(index)).enumerated() {
                    device.store(part, at: entry + 8 + UInt32(byte))
                }
            }
        }
        #expect(try target.checksum(address: 0x0800_0C00, count: 1024) == 0xC0DE_0000)
        #expect(ranges == [61, 0x2000_0000], "sectors 3 to 63 in one run")
        let sent = device.sent.count
        #expect(try target.checksum(address: 0x0800_1000, count: 1024) == 0xC0DE_0001)
        #expect(device.sent.count == sent)
        try target.erase(sector: Sector(index: 4, start: 0x0800_1000, size: 1024))
        _ = try target.checksum(address: 0x0800_1000, count: 1024)
        #expect(ranges[0] == 1, "only the erased sector is computed again")
    }

    @Test func anotherChipIsRefusedUnlessForced() throws {
        let (_, probe) = try connected(deviceID: 0x1007_6413)
        #expect(throws: DebugError.wrongChip(board: "bluepill's stm32f103x8",
                                              expected: "DEV_ID 0x410, 64 KiB flash, DP IDCODE 0x1BA01477",
                                              found: "DEV_ID 0x413, DP IDCODE 0x1BA01477")) {
            try STM32FlashTarget(probe: probe, board: try bluepill())
        }
        _ = try STM32FlashTarget(probe: probe, board: try bluepill(), force: true)
        let (_, bigger) = try connected(flashKiB: 128)
        #expect(throws: DebugError.self) { try STM32FlashTarget(probe: bigger, board: try bluepill()) }
    }
}
