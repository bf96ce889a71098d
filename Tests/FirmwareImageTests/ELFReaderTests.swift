import Foundation
import FirmwareImage
import Testing

/// Hostile and broken ELF files, made by patching a valid one that the ELF writer produced.
@Suite struct ELFReaderTests {
    let elf: [UInt8]

    init() throws {
        let image = try FirmwareImage(segments: [Segment(address: 0x0800_0000, bytes: Array(0..<64)),
                                                 Segment(address: 0x0800_0101, bytes: [1, 2, 3])], entry: 0x0800_0001)
        elf = try image.encoded(as: .elf)
    }

    func read(_ bytes: [UInt8]) throws(FirmwareImageError) -> FirmwareImage {
        try FirmwareImage.read(from: MemoryByteSource(name: "fw.elf", bytes: bytes)).image
    }

    func patched(_ offset: Int, _ bytes: [UInt8]) -> [UInt8] {
        var copy = elf
        copy.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        return copy
    }

    func expectMalformed(_ bytes: [UInt8], at offset: UInt64, mentioning words: [String]) {
        do {
            _ = try read(bytes)
            Issue.record("expected an error at offset \(offset)")
        } catch {
            guard case .malformed(let file, let errorOffset, let message) = error else {
                Issue.record("expected a malformed-file error, got \(error)")
                return
            }
            #expect(file == "fw.elf")
            #expect(errorOffset == offset)
            for word in words { #expect(message.contains(word), "\(message) should mention \(word)") }
        }
    }

    @Test func validFileReadsBack() throws {
        let image = try read(elf)
        #expect(image.segments.map(\.range) == [0x0800_0000..<0x0800_0040, 0x0800_0101..<0x0800_0104])
        #expect(image.entry == 0x0800_0001)
    }

    @Test func hostileProgramHeaderCountIsRefusedBeforeReading() {
        expectMalformed(patched(44, [0x88, 0x13]), at: 44, mentioning: ["5000 program headers", "4096"])
        expectMalformed(patched(44, [0xFF, 0xFF]), at: 44, mentioning: ["PN_XNUM"])
    }

    @Test func hostileSectionCountIsRefusedBeforeReading() {
        // e_shoff 0x34, e_shentsize 40, e_shnum 0xFF00: 2.5 MB of section headers claimed by a 200-byte file.
        var bytes = patched(32, [0x34, 0, 0, 0])
        bytes.replaceSubrange(46..<50, with: [40, 0, 0x00, 0xFF])
        expectMalformed(bytes, at: 46, mentioning: ["65280 entries", "corrupt"])
    }

    @Test func aFuzzedFileWhoseSectionTableLiesPastItsEndIsRefusedWhereTheTableWasClaimed() throws {
        // fuzz-elf's input: the error's offset is e_shoff, past the 386-byte file, which the target first took for
        // a wrong offset. Kept so the message stays the one users get.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz/elf/section-table-past-end.elf")
        expectMalformed([UInt8](try Data(contentsOf: url)), at: 0x116C,
                        mentioning: ["section header table (360 bytes)", "past the end of the file (386 bytes)"])
    }

    @Test func segmentLargerThanTheFileIsRefused() {
        // p_filesz of the first program header (offset 52 + 16) set to 0x7FFFFFFF.
        expectMalformed(patched(52 + 16, [0xFF, 0xFF, 0xFF, 0x7F]), at: 52,
                        mentioning: ["2147483647 bytes", "past the end"])
    }

    @Test func programHeaderTablePastTheEnd() {
        expectMalformed(patched(28, [0x00, 0x00, 0x01, 0x00]), at: 0x10000,
                        mentioning: ["program header table", "truncated"])
    }

    @Test func wrongClassEndiannessAndKind() {
        expectMalformed(patched(4, [2]), at: 4, mentioning: ["64-bit"])
        expectMalformed(patched(5, [2]), at: 5, mentioning: ["big-endian"])
        expectMalformed(patched(16, [1, 0]), at: 16, mentioning: ["relocatable", ".o"])
        expectMalformed(Array(elf.prefix(40)), at: 0, mentioning: ["ELF header", "truncated"])
    }

    @Test func segmentPast4GiBIsRefused() {
        // p_paddr of the first program header set to 0xFFFFFFF0: 64 bytes from there pass 4 GiB.
        expectMalformed(patched(52 + 12, [0xF0, 0xFF, 0xFF, 0xFF]), at: 52, mentioning: ["4 GiB"])
    }

    @Test func programHeadersThatReuseTheSameBytesCannotMultiplyTheAllocation() {
        // 64 program headers, each loading the whole file at another address: 64 times the file size in total.
        let count = 64
        let size = 52 + 32 * count
        var file: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1] + [UInt8](repeating: 0, count: 9)
        func append(_ value: UInt32, _ width: Int) {
            file += (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        }
        for (value, width) in [(2, 2), (40, 2), (1, 4), (0, 4), (52, 4), (0, 4), (0, 4), (52, 2), (32, 2),
                               (count, 2), (40, 2), (0, 2), (0, 2)] as [(Int, Int)] {
            append(UInt32(value), width)
        }
        for index in 0..<count {
            for value in [1, 0, index * 0x10000, index * 0x10000, size, size, 5, 4] { append(UInt32(value), 4) }
        }
        #expect(file.count == size)
        expectMalformed(file, at: 52 + 32, mentioning: ["claim more bytes", "\(size)-byte file"])
    }
}
