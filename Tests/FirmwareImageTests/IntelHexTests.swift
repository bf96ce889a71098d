import FirmwareImage
import Testing

@Suite struct IntelHexTests {
    static let good = """
        :020000040800F2
        :100000000050002009000008054B064A06498B42B3
        :0400000508000009E6
        :00000001FF

        """

    func read(_ text: String) throws(FirmwareImageError) -> FirmwareImage {
        try FirmwareImage.read(from: MemoryByteSource(name: "fw.hex", bytes: Array(text.utf8))).image
    }

    /// The message must name the line, and say what is wrong in words a user can act on.
    func expectSyntaxError(_ text: String, line: Int, mentioning words: [String]) {
        do {
            _ = try read(text)
            Issue.record("expected an error on line \(line)")
        } catch {
            guard case .syntax(let file, let errorLine, let message) = error else {
                Issue.record("expected a syntax error, got \(error)")
                return
            }
            #expect(file == "fw.hex")
            #expect(errorLine == line)
            #expect(error.description.hasPrefix("fw.hex:\(line): "))
            for word in words { #expect(message.contains(word), "\(message) should mention \(word)") }
        }
    }

    @Test func readsLinearAddressesAndEntry() throws {
        let image = try read(Self.good)
        #expect(image.segments.count == 1)
        #expect(image.segments.first?.address == 0x0800_0000)
        #expect(image.segments.first?.bytes.prefix(4) == [0x00, 0x50, 0x00, 0x20])
        #expect(image.entry == 0x0800_0009)
    }

    @Test func badChecksumNamesTheLineAndBothValues() {
        let text = Self.good.replacingOccurrences(of: "8B42B3", with: "8B42B4")
        expectSyntaxError(text, line: 2, mentioning: ["checksum", "0xB4", "0xB3"])
    }

    @Test func lengthByteThatDisagreesWithTheRecord() {
        // Length says 0x11 (17) data bytes, the record holds 16; the checksum is fixed up so only the length is wrong.
        let text = Self.good.replacingOccurrences(
            of: ":100000000050002009000008054B064A06498B42B3", with: ":110000000050002009000008054B064A06498B42B2")
        expectSyntaxError(text, line: 2, mentioning: ["length", "17", "16"])
    }

    @Test func badHexDigitNamesTheCharacterAndColumn() {
        let text = Self.good.replacingOccurrences(of: ":10000000005000200900", with: ":1000000000500G200900")
        expectSyntaxError(text, line: 2, mentioning: ["'G'", "column 15", "hex digit"])
    }

    @Test func missingEndOfFileRecordMeansTruncated() {
        let text = Self.good.replacingOccurrences(of: ":00000001FF\n", with: "")
        expectSyntaxError(text, line: 3, mentioning: ["end-of-file", "truncated"])
    }

    @Test func recordWithoutColon() {
        expectSyntaxError("garbage\n:00000001FF\n", line: 1, mentioning: ["':'", "'g'"])
    }

    @Test func unknownRecordType() {
        expectSyntaxError(":00000006FA\n:00000001FF\n", line: 1, mentioning: ["type 0x06"])
    }

    @Test func recordAfterEndOfFile() {
        expectSyntaxError(":00000001FF\n:0100000000FF\n", line: 2, mentioning: ["after the end-of-file"])
    }

    @Test func overlongLineIsRefusedWithoutReadingItAll() {
        let text = ":" + String(repeating: "0", count: 100_000) + "\n:00000001FF\n"
        expectSyntaxError(text, line: 1, mentioning: ["longer than \(IntelHex.maxLineLength)"])
    }

    @Test func overlappingRecordsAreAnErrorNamingBothRanges() {
        let text = ":0400000001020304F2\n:0400020005060708E0\n:00000001FF\n"
        #expect(throws: FirmwareImageError.overlappingSegments(0..<4, 2..<6)) { try read(text) }
    }

    @Test func extendedSegmentAddressAndStartSegmentAddress() throws {
        // Segment 0x1000 -> base 0x10000; CS:IP 0x1000:0x0010 -> 0x10010; CRLF line ends are accepted.
        let text = ":020000021000EC\r\n:02000000AABB99\r\n:0400000310000010D9\r\n:00000001FF\r\n"
        let image = try read(text)
        #expect(image.segments == [Segment(address: 0x10000, bytes: [0xAA, 0xBB])])
        #expect(image.entry == 0x10010)
    }

    @Test func segmentAddressingWrapsWithin64KiB() throws {
        // Two bytes at offset 0xFFFF of segment 0: the second wraps to offset 0, as the spec's MOD 64K says.
        let text = ":020000020000FC\n:02FFFF00AABB9B\n:00000001FF\n"
        let image = try read(text)
        #expect(image.segments == [Segment(address: 0, bytes: [0xBB]), Segment(address: 0xFFFF, bytes: [0xAA])])
    }

    @Test func writerSplitsRecordsAtLinearAddressBoundaries() throws {
        let image = try FirmwareImage(segments: [Segment(address: 0x0001_FFF8, bytes: Array(0..<16))], entry: nil)
        let text = String(decoding: try image.encoded(as: .hex), as: UTF8.self)
        #expect(text == """
            :020000040001F9
            :08FFF8000001020304050607E5
            :020000040002F8
            :0800000008090A0B0C0D0E0F9C
            :00000001FF

            """)
        #expect(try read(text) == image)
    }
}
