import FirmwareImage
import Testing

@Suite struct FirmwareImageTests {
    @Test func overlappingSegmentsAreAnErrorNamingBothRanges() {
        let segments = [Segment(address: 0x100, bytes: [UInt8](repeating: 1, count: 16)),
                        Segment(address: 0x108, bytes: [UInt8](repeating: 2, count: 16))]
        #expect(throws: FirmwareImageError.overlappingSegments(0x100..<0x110, 0x108..<0x118)) {
            try FirmwareImage(segments: segments)
        }
        let message = FirmwareImageError.overlappingSegments(0x100..<0x110, 0x108..<0x118).description
        #expect(message.contains("0x00000100..0x0000010F") && message.contains("0x00000108..0x00000117"))
    }

    @Test func segmentsAreSortedJoinedAndEmptyOnesDropped() throws {
        let image = try FirmwareImage(segments: [
            Segment(address: 0x20, bytes: [3]), Segment(address: 0x10, bytes: [1, 2]),
            Segment(address: 0x12, bytes: [9]), Segment(address: 0x40, bytes: []),
        ], entry: 0x10)
        #expect(image.segments == [Segment(address: 0x10, bytes: [1, 2, 9]), Segment(address: 0x20, bytes: [3])])
        #expect(image.totalSize == 4)
        #expect(image.span == 0x10..<0x21)
    }

    @Test func addressesPast4GiBAreRefused() {
        #expect(throws: FirmwareImageError.addressOutOfRange(0xFFFF_FFFF..<0x1_0000_0001)) {
            try FirmwareImage(segments: [Segment(address: 0xFFFF_FFFF, bytes: [1, 2])])
        }
        #expect(throws: Never.self) { try FirmwareImage(segments: [Segment(address: 0xFFFF_FFFF, bytes: [1])]) }
    }

    @Test func sha256IsDefinedOverAddressLengthAndBytes() throws {
        // Computed independently: hashlib.sha256(struct.pack('<QQ', 0x08000000, 3) + b'abc')
        let image = try FirmwareImage(segments: [Segment(address: 0x0800_0000, bytes: Array("abc".utf8))])
        #expect(image.sha256 == "e69944ac130bd880332e4d67ead2d6509b0d832855d56b874c91e04548b3ada7")
        // Split records, same bytes: same digest. Same bytes elsewhere, or another entry: see below.
        let split = try FirmwareImage(segments: [Segment(address: 0x0800_0000, bytes: Array("ab".utf8)),
                                                 Segment(address: 0x0800_0002, bytes: Array("c".utf8))], entry: 5)
        #expect(split.sha256 == image.sha256)
        let moved = try FirmwareImage(segments: [Segment(address: 0x0800_0004, bytes: Array("abc".utf8))])
        #expect(moved.sha256 != image.sha256)
        #expect(FirmwareImage.empty.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func chunksNeverCrossABoundaryAndShareStorage() throws {
        let image = try FirmwareImage(segments: [Segment(address: 0xF8, bytes: Array(0..<20)),
                                                 Segment(address: 0x200, bytes: [7])])
        let chunks = Array(image.chunks(maxSize: 16, boundary: 16))
        #expect(chunks.map(\.address) == [0xF8, 0x100, 0x200])
        #expect(chunks.map(\.bytes.count) == [8, 12, 1])
        #expect(chunks.flatMap(\.bytes) == Array(0..<20) + [7])
        let unbounded = Array(image.chunks(maxSize: 7))
        #expect(unbounded.map(\.bytes.count) == [7, 7, 6, 1])
    }

    @Test func bytesInARangeFillTheGaps() throws {
        let image = try FirmwareImage(segments: [Segment(address: 0x10, bytes: [1, 2]),
                                                 Segment(address: 0x14, bytes: [3, 4, 5])])
        #expect(image.bytes(in: 0x0F..<0x16, fill: 0xFF) == [0xFF, 1, 2, 0xFF, 0xFF, 3, 4])
        #expect(image.segments(overlapping: 0x12..<0x14).isEmpty)
        #expect(image.segments(overlapping: 0x11..<0x15).count == 2)
    }
}
