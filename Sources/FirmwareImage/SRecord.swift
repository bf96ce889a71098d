/// Motorola S-records (srec(5)): S0 header, S1/S2/S3 data with 16/24/32-bit addresses, S5/S6 record counts,
/// S7/S8/S9 termination with the entry point.
///
/// A record is `S<type><count><address><data><checksum>`: count is the number of bytes after it, and the
/// checksum is the ones' complement of the low byte of the sum of count, address and data.
public enum SRecord {
    /// The longest record is `S` + type + 2 + 255 * 2 = 514 characters.
    public static let maxLineLength = 600

    /// Address bytes of each record type; S4 is reserved and has none.
    static func addressLength(_ type: UInt8) -> Int? {
        switch type {
        case 0, 1, 5, 9: 2
        case 2, 6, 8: 3
        case 3, 7: 4
        default: nil
        }
    }

    public static func read(_ source: any ByteSource) throws(FirmwareImageError) -> FirmwareImage {
        var segments = SegmentBuilder()
        var lines = LineReader(source: source, maxLength: maxLineLength)
        var dataRecords = 0
        var entry: UInt64?
        var terminated = false
        while let raw = try lines.next() {
            let text = HexText.trimmed(raw)
            let line = lines.lineNumber
            guard !text.isEmpty else { continue }
            func fail(_ message: String) -> FirmwareImageError {
                .syntax(file: source.name, line: line, message: message)
            }
            guard !terminated else {
                throw fail("record after the termination record (S7, S8 or S9); the file was joined with another "
                    + "or is corrupt")
            }
            guard text.count >= 2, text.first == UInt8(ascii: "S") else {
                throw fail("a record starts with 'S' and a type digit, not \(HexText.quoted(text[text.startIndex]))")
            }
            let typeCharacter = text[text.startIndex + 1]
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(typeCharacter) else {
                throw fail("record type \(HexText.quoted(typeCharacter)) is not a digit 0 to 9")
            }
            let type = typeCharacter - UInt8(ascii: "0")
            guard let addressLength = addressLength(type) else {
                throw fail("record type S4 is reserved and never used in firmware files")
            }
            let bytes = try HexText.decode(text.dropFirst(2), file: source.name, line: line, columnOffset: 3)
            guard let count = bytes.first, bytes.count == Int(count) + 1 else {
                throw fail("count byte says \(bytes.first.map { "\($0)" } ?? "nothing") bytes follow but the "
                    + "record holds \(max(0, bytes.count - 1))")
            }
            guard Int(count) >= addressLength + 1 else {
                throw fail("an S\(type) record needs at least \(addressLength + 1) bytes after the count, not \(count)")
            }
            let expected = ~bytes.dropLast().reduce(UInt8(0)) { $0 &+ $1 }
            guard bytes.last == expected else {
                throw fail("checksum is \(hexByte(bytes.last ?? 0)) but the record's bytes need \(hexByte(expected))")
            }
            let address = bytes[1...addressLength].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let data = bytes[(1 + addressLength)..<(bytes.count - 1)]
            switch type {
            case 1, 2, 3:
                segments.append(data, at: address)
                dataRecords += 1
            case 5, 6:
                guard data.isEmpty, address == UInt64(dataRecords) else {
                    throw fail("S\(type) says \(address) data records but the file has \(dataRecords) before it; "
                        + "records are missing or repeated")
                }
            case 7, 8, 9:
                guard data.isEmpty else { throw fail("a termination record (S\(type)) carries no data") }
                entry = address == 0 ? nil : address
                terminated = true
            default:
                break  // S0: a free-form header; its checksum was checked, its text means nothing to the image.
            }
        }
        guard terminated else {
            throw .syntax(file: source.name, line: max(1, lines.lineNumber),
                          message: "the file ends without a termination record (S7, S8 or S9); it is truncated")
        }
        return try segments.build(entry: entry)
    }

    /// S0 with `header`, data in 16-byte records of the smallest type that holds every address (S1, S2 or S3),
    /// a count record when the count fits, and the matching termination record with the entry point.
    static func write(_ image: FirmwareImage, header: String, to output: ByteWriter) throws(FirmwareImageError) {
        let highest = max((image.span?.upperBound ?? 1) - 1, image.entry ?? 0)
        guard highest < FirmwareImage.addressLimit else {
            throw .cannotEncode(format: .srec, reason: "address \(hex(highest)) does not fit in 32 bits")
        }
        let addressLength = highest <= 0xFFFF ? 2 : highest <= 0xFF_FFFF ? 3 : 4
        let dataType = UInt8(addressLength - 1)
        try output.write(record(0, address: 0, addressLength: 2, data: Array(header.utf8.prefix(64))))
        var count: UInt64 = 0
        for chunk in image.chunks(maxSize: 16, boundary: 16) {
            try output.write(record(dataType, address: chunk.address, addressLength: addressLength,
                                    data: Array(chunk.bytes)))
            count += 1
        }
        if count <= 0xFFFF {
            try output.write(record(5, address: count, addressLength: 2, data: []))
        } else if count <= 0xFF_FFFF {
            try output.write(record(6, address: count, addressLength: 3, data: []))
        }
        try output.write(record(10 - dataType, address: image.entry ?? 0, addressLength: addressLength, data: []))
    }

    /// One record as ASCII bytes, line end included.
    static func record(_ type: UInt8, address: UInt64, addressLength: Int, data: [UInt8]) -> [UInt8] {
        let body = [UInt8(addressLength + data.count + 1)] + bigEndian(address, count: addressLength) + data
        let checksum = ~body.reduce(UInt8(0)) { $0 &+ $1 }
        return HexText.line(prefix: [UInt8(ascii: "S"), UInt8(ascii: "0") + type], bytes: body + [checksum])
    }
}
