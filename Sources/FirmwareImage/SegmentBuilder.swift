/// Collects the records of a file into segments as they are read.
///
/// Records that continue the previous one (the usual case: HEX and S-record files are written in address
/// order) are appended in place, so a file of a million 16-byte records builds one array, not a million.
/// Records out of order start new segments; `build` sorts, joins and checks them for overlaps.
struct SegmentBuilder {
    private var segments: [Segment] = []

    mutating func append(_ bytes: some Collection<UInt8>, at address: UInt64) {
        guard !bytes.isEmpty else { return }
        if let last = segments.last, last.end == address {
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
        var result: [UInt8] = []
        result.reserveCapacity(text.count / 2)
        var high: UInt8?
        for (index, character) in text.enumerated() {
            guard let value = digit(character) else {
                throw .syntax(file: file, line: line,
                              message: "\(quoted(character)) at column \(columnOffset + index) is not a hex digit")
            }
            if let pending = high {
                result.append(pending << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        guard high == nil else {
            throw .syntax(file: file, line: line,
                          message: "odd number of hex digits (\(text.count)); the record is cut short or has a stray "
                            + "character")
        }
        return result
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
