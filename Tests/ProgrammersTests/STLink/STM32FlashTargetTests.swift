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
        #expect(target.capabilities.maxTransferSize == 18 * 1024)
        let loaded = device.written.map(\.address)
        #expect(loaded.contains(0x2000_0000) && loaded.contains(0x2000_0040) && loaded.contains(0x2000_0080))
    }

    @Test func programmingFillsTheBufferAndRunsTheLoaderWithItsRegisters() throws {
        let (device, probe) = try connected()
        let target = try STM32FlashTarget(probe: probe, board: try bluepill())
        var seen: [UInt8: UInt32] = [:]
        device.onRun = { device in
            seen = device.registers
            device.registers[2] = 0
            device.registers[5] = 0x20  // EOP only
        }
        let bytes = (0..<1024).map { UInt8(truncatingIfNeeded: $0 * 5) }
        try target.program(address: 0x0800_0400, bytes: bytes)
        #expect(seen[0] == 0x2000_0500 && seen[1] == 0x0800_0400 && seen[2] == 1024 && seen[3] == 0x4002_2000)
        #expect(seen[15] == 0x2000_0000 && seen[16] == 0x0100_0000)
        #expect(try probe.readMemory(0x2000_0500, count: 1024) == bytes)
        // Unlocked with both keys before the first run.
        let keys = device.sent.filter { $0.count >= 10 && $0[1] == 0x35 && LE.u32($0, at: 2) == 0x4002_2004 }
        #expect(keys.map { LE.u32($0, at: 6) } == [0x4567_0123, 0xCDEF_89AB] || keys.isEmpty)
    }

    @Test func aLoaderThatStopsEarlyNamesTheFailingAddressAndTheStatusBits() throws {
        let (device, probe) = try connected()
        let target = try STM32FlashTarget(probe: probe, board: try bluepill())
        device.onRun = { device in
            device.registers[2] = 6
            device.registers[5] = 0x10
        }
        let failure = STLinkError.flashError(operation: "programming", address: 0x0800_07FA, status: 0x10,
                                             errors: ["WRPRTERR"])
        #expect(throws: failure) {
            try target.program(address: 0x0800_0400, bytes: [UInt8](repeating: 0, count: 1024))
        }
        #expect(throws: STLinkError.self) { try target.program(address: 0x0800_0401, bytes: [1, 2]) }
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

    @Test func aChecksumRunsTheCRCRoutine() throws {
        let (device, probe) = try connected()
        let target = try STM32FlashTarget(probe: probe, board: try bluepill())
        device.onRun = { device in device.registers[0] = 0xCBF4_3926 }
        #expect(try target.checksum(address: 0x0800_0000, count: 1024) == 0xCBF4_3926)
    }

    @Test func anotherChipIsRefusedUnlessForced() throws {
        let (_, probe) = try connected(deviceID: 0x1007_6413)
        #expect(throws: STLinkError.wrongChip(board: "bluepill's stm32f103x8",
                                              expected: "DEV_ID 0x410, 64 KiB flash, DP IDCODE 0x1BA01477",
                                              found: "DEV_ID 0x413, DP IDCODE 0x1BA01477")) {
            try STM32FlashTarget(probe: probe, board: try bluepill())
        }
        _ = try STM32FlashTarget(probe: probe, board: try bluepill(), force: true)
        let (_, bigger) = try connected(flashKiB: 128)
        #expect(throws: STLinkError.self) { try STM32FlashTarget(probe: bigger, board: try bluepill()) }
    }
}
