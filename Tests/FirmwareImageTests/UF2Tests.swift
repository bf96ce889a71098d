import FirmwareImage
import Testing

@Suite struct UF2Tests {
    static let family: UInt32 = 0xE48B_FF56  // RP2040
    let image: FirmwareImage
    let file: [UInt8]

    init() throws {
        // 300 bytes from 0x10000010 (two blocks, the first one short so the second starts on a 256-byte page),
        // then 5 bytes further on.
        image = try FirmwareImage(segments: [
            Segment(address: 0x1000_0010, bytes: (0..<300).map { UInt8(truncatingIfNeeded: $0) }),
            Segment(address: 0x1000_0400, bytes: [1, 2, 3, 4, 5]),
        ])
        file = try image.encoded(as: .uf2, options: WriteOptions(uf2: UF2.Options(familyID: Self.family)))
    }

    func read(_ bytes: [UInt8], family: UInt32? = nil) throws(FirmwareImageError) -> ImageFile {
        try FirmwareImage.read(from: MemoryByteSource(name: "fw.uf2", bytes: bytes),
                               options: ReadOptions(format: .uf2, uf2Family: family))
    }

    func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    func patched(_ offset: Int, _ value: UInt32, in bytes: [UInt8]? = nil) -> [UInt8] {
        var copy = bytes ?? file
        for index in 0..<4 { copy[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        return copy
    }

    func expectMalformed(_ bytes: [UInt8], at offset: UInt64, mentioning words: [String]) {
        do {
            _ = try read(bytes)
            Issue.record("expected an error at offset \(offset)")
        } catch {
            guard case .malformed(_, let errorOffset, let message) = error else {
                Issue.record("expected a malformed-file error, got \(error)")
                return
            }
            #expect(errorOffset == offset)
            for word in words { #expect(message.contains(word), "\(message) should mention \(word)") }
        }
    }

    @Test func blocksFollowTheSpecification() {
        #expect(file.count == 3 * 512)
        for block in 0..<3 {
            let base = block * 512
            #expect(word(file, at: base) == 0x0A32_4655)
            #expect(word(file, at: base + 4) == 0x9E5D_5157)
            #expect(word(file, at: base + 8) == 0x2000)
            #expect(word(file, at: base + 20) == UInt32(block))
            #expect(word(file, at: base + 24) == 3)
            #expect(word(file, at: base + 28) == Self.family)
            #expect(word(file, at: base + 508) == 0x0AB1_6F30)
        }
        // Addresses and payload sizes: 240 bytes up to the page boundary, then 60, then the 5-byte segment.
        #expect([12, 512 + 12, 1024 + 12].map { word(file, at: $0) } == [0x1000_0010, 0x1000_0100, 0x1000_0400])
        #expect([16, 512 + 16, 1024 + 16].map { word(file, at: $0) } == [240, 60, 5])
    }

    @Test func roundTripKeepsSegmentsAndFamily() throws {
        let back = try read(file)
        #expect(back.image == image)
        #expect(back.uf2FamilyID == Self.family)
    }

    @Test func pageFillWritesWholeAlignedPages() throws {
        let options = WriteOptions(uf2: UF2.Options(familyID: Self.family, pageFill: 0xFF))
        let padded = try image.encoded(as: .uf2, options: options)
        #expect(padded.count == 3 * 512)
        #expect([12, 512 + 12, 1024 + 12].map { word(padded, at: $0) } == [0x1000_0000, 0x1000_0100, 0x1000_0400])
        #expect([16, 528, 1040].map { word(padded, at: $0) } == [256, 256, 256])
        let back = try read(padded).image
        #expect(back.bytes(in: 0x1000_0000..<0x1000_0010, fill: 0) == [UInt8](repeating: 0xFF, count: 16))
        #expect(back.bytes(in: image.span ?? 0..<0, fill: 0xFF) == image.bytes(in: image.span ?? 0..<0, fill: 0xFF))
    }

    @Test func wrongMagicIsRejectedWithItsOffset() {
        expectMalformed(patched(0, 0x1234_5678), at: 0, mentioning: ["magic", "0x0A324655"])
        expectMalformed(patched(512 + 4, 0), at: 516, mentioning: ["block 1", "magic"])
        expectMalformed(patched(1024 + 508, 0), at: 1532, mentioning: ["block 2", "0x0AB16F30"])
    }

    @Test func blockCountsMustBeConsistent() {
        // A hostile total count far beyond the file.
        expectMalformed(patched(24, 0x00FF_FFFF), at: 20, mentioning: ["16777215", "holds 3 blocks", "corrupt"])
        // Blocks out of order: block 2 follows block 0.
        let swapped = Array(file[0..<512]) + Array(file[1024..<1536]) + Array(file[512..<1024])
        expectMalformed(swapped, at: 512 + 20, mentioning: ["numbered 2 of 3 after block 0", "out of order"])
        // The last block cut off: the count says 3, the file holds 2.
        expectMalformed(Array(file[0..<1024]), at: 20, mentioning: ["holds 2 blocks", "truncated"])
        // A run that stops early and another that starts: block 0 of 2, then block 0 of 1.
        let early = patched(24, 2, in: patched(512 + 24, 1, in: Array(file[0..<512]) + Array(file[0..<512])))
        expectMalformed(early, at: 512 + 20, mentioning: ["after block 0 of 2"])
        // Not a whole number of blocks.
        expectMalformed(Array(file[0..<700]), at: 512, mentioning: ["512-byte"])
        // A payload larger than a block holds.
        expectMalformed(patched(16, 477), at: 16, mentioning: ["476"])
    }

    @Test func severalFamiliesNeedAChoice() throws {
        let other = patched(512 + 28, 0x1234_5678)
        expectMalformed(other, at: 0, mentioning: ["several families", "0x12345678"])
        let chosen = try read(other, family: Self.family)
        #expect(chosen.image.totalSize == 240 + 5)
    }
}
