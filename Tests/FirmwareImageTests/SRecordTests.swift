import FirmwareImage
import Testing

@Suite struct SRecordTests {
    static let good = """
        S00A000066772E737265633D
        S3110800002000000020101000080700002057
        S30C0800101068656C6C6F210096
        S5030002FA
        S70508000009E9

        """

    func read(_ text: String) throws(FirmwareImageError) -> FirmwareImage {
        try FirmwareImage.read(from: MemoryByteSource(name: "fw.srec", bytes: Array(text.utf8))).image
    }

    func expectSyntaxError(_ text: String, line: Int, mentioning words: [String]) {
        do {
            _ = try read(text)
            Issue.record("expected an error on line \(line)")
        } catch {
            guard case .syntax(_, let errorLine, let message) = error else {
                Issue.record("expected a syntax error, got \(error)")
                return
            }
            #expect(errorLine == line)
            #expect(error.description.hasPrefix("fw.srec:\(line): "))
            for word in words { #expect(message.contains(word), "\(message) should mention \(word)") }
        }
    }

    @Test func readsS3DataCountAndS7Entry() throws {
        let image = try read(Self.good)
        #expect(image.segments.map(\.range) == [0x0800_0020..<0x0800_002C, 0x0800_1010..<0x0800_1017])
        #expect(image.entry == 0x0800_0009)
    }

    @Test func badChecksum() {
        expectSyntaxError(Self.good.replacingOccurrences(of: "210096", with: "210097"), line: 3,
                          mentioning: ["checksum", "0x97", "0x96"])
    }

    @Test func countByteThatDisagreesWithTheRecord() {
        expectSyntaxError(Self.good.replacingOccurrences(of: "S30C08", with: "S30D08"), line: 3,
                          mentioning: ["count", "13", "12"])
    }

    @Test func badHexDigit() {
        expectSyntaxError(Self.good.replacingOccurrences(of: "S30C0800101068656C", with: "S30C08001010686x6C"),
                          line: 3, mentioning: ["'x'", "column 16"])
    }

    @Test func recordCountThatDoesNotMatch() {
        expectSyntaxError(Self.good.replacingOccurrences(of: "S5030002FA", with: "S5030003F9"), line: 4,
                          mentioning: ["3 data records", "has 2"])
    }

    @Test func reservedS4AndMissingTermination() {
        expectSyntaxError("S4030000FC\n", line: 1, mentioning: ["S4"])
        expectSyntaxError(Self.good.replacingOccurrences(of: "S70508000009E9\n", with: ""), line: 4,
                          mentioning: ["termination", "truncated"])
    }

    @Test func writerPicksTheSmallestAddressTypeAndRoundTrips() throws {
        let small = try FirmwareImage(segments: [Segment(address: 0x100, bytes: [1, 2, 3])], entry: 0x100)
        let text = String(decoding: try small.encoded(as: .srec), as: UTF8.self)
        let types = text.split(separator: "\n").map { $0.prefix(2) }
        #expect(types == ["S0", "S1", "S5", "S9"])
        #expect(try read(text) == small)
        let wide = try FirmwareImage(segments: [Segment(address: 0x1_0000, bytes: [9])], entry: nil)
        let wideText = String(decoding: try wide.encoded(as: .srec), as: UTF8.self)
        #expect(wideText.split(separator: "\n").map { $0.prefix(2) } == ["S0", "S2", "S5", "S8"])
        #expect(try read(wideText) == wide)
    }
}
