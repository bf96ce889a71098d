/// Collects the records of a file into segments as they are read.
///
/// Records that continue the previous one (the usual case: HEX and S-record files are written in address
/// order) are appended in place, so a file of a million 16-byte records builds one array, not a million.
/// Records out of order start new segments; `build` sorts, joins and checks them for overlaps.
struct SegmentBuilder {
    private var segments: [Segment] = []

    mutating func append(_ bytes: some Collection<UInt8>, at address: UInt64) {
        guard !bytes.isEmpty else { return }
        // Compare the end only: binding `segments.last` would hold a second reference to its bytes and make the
        // append below copy the whole segment every time.
        if segments.last?.end == address {
            segments[segments.count - 1].bytes.append(contentsOf: bytes)
        } else {
            segments.append(Segment(address: address, bytes: Array(bytes)))
        }
    }

    func build(entry: UInt64?) throws(FirmwareImageError) -> FirmwareImage {
        try FirmwareImage(segments: segments, entry: entry)
    }
}

/// Decoding of the hex-digit text that Intel HEX and S-records share.
enum HexText {
    /// The bytes that pairs of hex digits spell, or an error naming the first bad character and its column.
    /// `columnOffset` is the 1-based column of `text`'s first character in its line.
    static func decode(
        _ text: ArraySlice<UInt8>, file: String, line: Int, columnOffset: Int
    ) throws(FirmwareImageError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let value = values[Int(text[index])]
            guard value != 0xFF else {
                throw .syntax(file: file, line: line, message: "\(quoted(text[index])) at column "
                    + "\(columnOffset + index - text.startIndex) is not a hex digit")
            }
            let position = (index - text.startIndex) / 2
            if position < result.count { result[position] = result[position] << 4 | value }
            index += 1
        }
        guard text.count % 2 == 0 else {
            throw .syntax(file: file, line: line,
                          message: "odd number of hex digits (\(text.count)); the record is cut short or has a stray "
                            + "character")
        }
        return result
    }

    /// Each byte's value as a hex digit, 0xFF for anything else: a table, because this runs for every character
    /// of a large HEX file.
    private static let values: [UInt8] = (0...255).map { digit(UInt8($0)) ?? 0xFF }
    private static let digits = Array("0123456789ABCDEF".utf8)

    /// `prefix`, then `bytes` as uppercase hex digit pairs, then a newline.
    static func line(prefix: [UInt8], bytes: [UInt8]) -> [UInt8] {
        var text = prefix
        text.reserveCapacity(prefix.count + bytes.count * 2 + 1)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        text.append(0x0A)
        return text
    }

    static func digit(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// A character for a message: printable ASCII in quotes, anything else as its byte value.
    static func quoted(_ character: UInt8) -> String {
        (0x21...0x7E).contains(character) ? "'\(Character(Unicode.Scalar(character)))'" : "byte \(hexByte(character))"
    }

    /// A line without trailing spaces and tabs, which some editors leave behind.
    static func trimmed(_ line: [UInt8]) -> ArraySlice<UInt8> {
        var end = line.count
        while end > 0, line[end - 1] == 0x20 || line[end - 1] == 0x09 || line[end - 1] == 0x0D { end -= 1 }
        return line[..<end]
    }

    /// Two uppercase hex digits, for writing records.
    static func byte(_ value: UInt8) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
}

func hexByte(_ value: UInt8) -> String { "0x" + HexText.byte(value) }
