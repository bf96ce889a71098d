/// Intel HEX (Intel, "Hexadecimal Object File Format Specification", rev. A, 1988): record types 00 to 05.
///
/// A record is `:LLAAAATT<data>CC`: LL data bytes, a 16-bit offset, a type, and a checksum that makes the sum of
/// all bytes 0 modulo 256.
public enum IntelHex {
    /// The longest record is `:` + 2 + 4 + 2 + 255 * 2 + 2 = 521 characters; anything much longer is not HEX.
    public static let maxLineLength = 600

    enum RecordType: UInt8 {
        case data = 0x00
        case endOfFile = 0x01
        case extendedSegmentAddress = 0x02
        case startSegmentAddress = 0x03
        case extendedLinearAddress = 0x04
        case startLinearAddress = 0x05
    }

    public static func read(_ source: any ByteSource) throws(FirmwareImageError) -> FirmwareImage {
        var reader = HexParser(file: source.name)
        var lines = LineReader(source: source, maxLength: maxLineLength)
        while let line = try lines.next() {
            try reader.parse(HexText.trimmed(line), line: lines.lineNumber)
        }
        guard reader.sawEndOfFile else {
            throw .syntax(file: source.name, line: max(1, lines.lineNumber),
                          message: "the file ends without an end-of-file record (:00000001FF); it is truncated")
        }
        return try reader.segments.build(entry: reader.entry)
    }

    /// Data in 16-byte records that never cross a 16-byte boundary, type 04 whenever the upper 16 address bits
    /// change, type 05 for the entry point, then type 01.
    static func write(_ image: FirmwareImage, to output: ByteWriter) throws(FirmwareImageError) {
        var upper: UInt64 = 0
        for chunk in image.chunks(maxSize: 16, boundary: 16) {
            if chunk.address >> 16 != upper {
                upper = chunk.address >> 16
                try output.write(record(.extendedLinearAddress, offset: 0, data: bigEndian(upper, count: 2)))
            }
            try output.write(record(.data, offset: UInt16(chunk.address & 0xFFFF), data: Array(chunk.bytes)))
        }
        if let entry = image.entry {
            guard entry < FirmwareImage.addressLimit else {
                throw .cannotEncode(format: .hex, reason: "the entry point \(hex(entry)) does not fit in 32 bits")
            }
            try output.write(record(.startLinearAddress, offset: 0, data: bigEndian(entry, count: 4)))
        }
        try output.write(record(.endOfFile, offset: 0, data: []))
    }

    /// One record as ASCII bytes, line end included.
    static func record(_ type: RecordType, offset: UInt16, data: [UInt8]) -> [UInt8] {
        let bytes = [UInt8(data.count), UInt8(offset >> 8), UInt8(offset & 0xFF), type.rawValue] + data
        let sum = bytes.reduce(UInt8(0)) { $0 &+ $1 }
        return HexText.line(prefix: [UInt8(ascii: ":")], bytes: bytes + [0 &- sum])
    }
}

func bigEndian(_ value: UInt64, count: Int) -> [UInt8] {
    (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

/// The state of a HEX file being read: the current base address, the entry point, the data so far.
private struct HexParser {
    let file: String
    var segments = SegmentBuilder()
    var entry: UInt64?
    var sawEndOfFile = false
    /// Added to every data offset: segment base * 16 (type 02) or upper 16 bits (type 04).
    var base: UInt64 = 0
    /// Type 02 addressing wraps data offsets within 64 KiB; type 04 addressing does not.
    var segmentMode = false

    mutating func parse(_ text: ArraySlice<UInt8>, line: Int) throws(FirmwareImageError) {
        guard !text.isEmpty else { return }
        func fail(_ message: String) -> FirmwareImageError { .syntax(file: file, line: line, message: message) }
        guard !sawEndOfFile else {
            throw fail("record after the end-of-file record (type 01); the file was joined with another or is corrupt")
        }
        guard text.first == UInt8(ascii: ":") else {
            throw fail("a record starts with ':', not \(HexText.quoted(text[text.startIndex]))")
        }
        let bytes = try HexText.decode(text.dropFirst(), file: file, line: line, columnOffset: 2)
        guard bytes.count >= 5 else {
            throw fail("record too short: \(bytes.count) bytes, a record has at least 5 (length, address, type, "
                + "checksum)")
        }
        let length = Int(bytes[0])
        guard bytes.count == length + 5 else {
            throw fail("length byte says \(length) data bytes but the record holds \(bytes.count - 5)")
        }
        let sum = bytes.dropLast().reduce(UInt8(0)) { $0 &+ $1 }
        let expected = 0 &- sum
        guard let checksum = bytes.last, checksum == expected else {
            throw fail("checksum is \(hexByte(bytes.last ?? 0)) but the record's bytes need \(hexByte(expected))")
        }
        let offset = UInt64(bytes[1]) << 8 | UInt64(bytes[2])
        let data = bytes[4..<(4 + length)]
        guard let type = IntelHex.RecordType(rawValue: bytes[3]) else {
            throw fail("unknown record type \(hexByte(bytes[3])); Intel HEX has types 00 to 05")
        }
        func value(expecting count: Int, _ name: String) throws(FirmwareImageError) -> UInt64 {
            guard length == count else {
                throw fail("a \(name) record (type \(HexText.byte(type.rawValue))) has \(count) data bytes, "
                    + "not \(length)")
            }
            return data.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        switch type {
        case .data:
            appendData(data, offset: offset)
        case .endOfFile:
            _ = try value(expecting: 0, "end-of-file")
            sawEndOfFile = true
        case .extendedSegmentAddress:
            base = try value(expecting: 2, "extended segment address") << 4
            segmentMode = true
        case .startSegmentAddress:
            let csip = try value(expecting: 4, "start segment address")
            entry = ((csip >> 16) << 4) + (csip & 0xFFFF)
        case .extendedLinearAddress:
            base = try value(expecting: 2, "extended linear address") << 16
            segmentMode = false
        case .startLinearAddress:
            entry = try value(expecting: 4, "start linear address")
        }
    }

    /// In segment mode the offset wraps at 64 KiB (the spec's `(DRLO + DRI) MOD 64K`), so a record that runs past
    /// 0xFFFF continues at the segment's start.
    private mutating func appendData(_ data: ArraySlice<UInt8>, offset: UInt64) {
        let room = Int(0x10000 - offset)
        if segmentMode, data.count > room {
            segments.append(data.prefix(room), at: base + offset)
            segments.append(data.dropFirst(room), at: base)
        } else {
            segments.append(data, at: base + offset)
        }
    }
}
