import BoardCatalog
import Flash
import Foundation
import Testing

@testable import Programmers

/// The loader bytes committed in `STM32Loaders.swift` are exactly what their `.s` sources assemble to.
@Suite struct STM32LoadersTests {
    static let assembler = "/usr/bin/arm-none-eabi-as"
    static let loaders = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Programmers/FlashTargets/Loaders")

    static func assemble(_ name: String) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-loader-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let object = folder.appendingPathComponent("\(name).o").path
        let binary = folder.appendingPathComponent("\(name).bin").path
        try tool(assembler, ["-o", object, loaders.appendingPathComponent("\(name).s").path])
        try tool("/usr/bin/arm-none-eabi-objcopy", ["-O", "binary", "-j", ".text", object, binary])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: binary)))
    }

    static func tool(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(path) \(arguments) failed")
    }

    @Test(arguments: [("stm32f1_write", STM32Loaders.stm32f1Write), ("stm32f4_write", STM32Loaders.stm32f4Write),
                      ("crc32", STM32Loaders.crc32)])
    func committedBytesEqualTheReassembledSource(name: String, bytes: [UInt8]) throws {
        #expect(try Self.assemble(name) == bytes)
    }

    @Test func everyLoaderEndsInItsBreakpointAndFitsItsSlot() {
        for loader in [STM32Loaders.stm32f1Write, STM32Loaders.stm32f4Write, STM32Loaders.crc32] {
            // bkpt #0, then at most a nop (0x46C0) padding the code to a word.
            #expect(loader.suffix(2) == [0x00, 0xBE] || loader.suffix(4) == [0x00, 0xBE, 0xC0, 0x46])
            #expect(loader.count <= 0x80)
        }
    }

    @Test func theTableIsZlibsSoTheTargetsCRCMatchesFlashChecksum() {
        let table = STM32Loaders.crc32Table
        #expect(table.count == 1024)
        #expect(LE.u32(table, at: 4) == 0x7707_3096)
        #expect(LE.u32(table, at: 1020) == 0x2D02_EF8D)
        // The routine's algorithm, run here over the same table, gives FlashChecksum's value.
        let bytes = Array("123456789".utf8)
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = LE.u32(table, at: Int((crc ^ UInt32(byte)) & 0xFF) * 4) ^ (crc >> 8) }
        #expect(~crc == FlashChecksum.crc32(bytes))
        #expect(~crc == 0xCBF4_3926)
    }

    @Test func ramLayoutLeavesRoomAndCapsTheBuffer() {
        let sram = { (size: UInt64) in MemoryRegion(name: "sram", kind: .ram, start: 0x2000_0000, size: size) }
        let f1 = STM32FlashTarget.Layout(ram: sram(20 * 1024), writeLoader: STM32Loaders.stm32f1Write)
        #expect(f1.crcTable == 0x2000_0000 && f1.crcRoutine == 0x2000_0400 && f1.crcParameters == 0x2000_0438)
        // 64 CRC ranges of 12 bytes fit before the write loader.
        #expect(f1.crcParameters + 8 + 64 * 12 <= f1.writeLoader)
        #expect(f1.writeLoader == 0x2000_0800 && f1.buffer == f1.writeParameters + 36)
        #expect(f1.bufferSize == 17 * 1024)
        let f4 = STM32FlashTarget.Layout(ram: sram(128 * 1024), writeLoader: STM32Loaders.stm32f4Write)
        #expect(f4.bufferSize == 32 * 1024 && f4.buffer % 4 == 0)
    }
}
