/// The hex-digit text that Intel HEX and S-records share: decoding with errors that name the column, encoding.
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
