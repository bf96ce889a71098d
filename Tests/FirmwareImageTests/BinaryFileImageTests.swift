import Foundation
import Testing

@testable import FirmwareImage

@Suite struct BinaryFileImageTests {
    func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bfi-\(UUID().uuidString).bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func digestAndBytesMatchTheParsedImage() throws {
        // Larger than one 1 MiB hashing piece, with an odd tail.
        let bytes = (0..<((1 << 20) + 4097)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let path = try file(bytes)
        let lazy = try BinaryFileImage(path: path, base: 0x0800_0000)
        let parsed = try FirmwareImage.load(path, base: 0x0800_0000)
        #expect(try lazy.sha256() == parsed.sha256)
        #expect(lazy.ranges == parsed.ranges)
        #expect(try lazy.read(0x0810_0000..<0x0810_0010) == Array(bytes[0x10_0000..<0x10_0010]))
    }

    @Test func readsOutsideTheFileAreRefused() throws {
        let lazy = try BinaryFileImage(path: try file([1, 2, 3, 4]), base: 0x100)
        #expect(throws: FirmwareImageError.self) { try lazy.read(0x102..<0x106) }
    }

    @Test func anEmptyFileHasNoRanges() throws {
        let lazy = try BinaryFileImage(path: try file([]), base: 0)
        #expect(lazy.ranges.isEmpty)
        #expect(try lazy.sha256() == FirmwareImage.empty.sha256)
    }

    @Test func aBaseThatPushesPast4GiBIsRefused() throws {
        let path = try file([1, 2, 3, 4])
        #expect(throws: FirmwareImageError.self) { try BinaryFileImage(path: path, base: 0xFFFF_FFFE) }
    }
}
