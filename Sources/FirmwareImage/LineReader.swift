/// Splits a source into lines without holding more than one read buffer and one line.
///
/// A line longer than `maxLength` is an error as soon as it passes the limit, so a file with no newline costs
/// `maxLength` bytes, not its size.
struct LineReader {
    let source: any ByteSource
    let maxLength: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var offset: UInt64 = 0
    private(set) var lineNumber = 0

    init(source: any ByteSource, maxLength: Int) {
        self.source = source
        self.maxLength = maxLength
    }

    /// The next line without its `\n` or `\r\n`, or nil at the end of the source.
    mutating func next() throws(FirmwareImageError) -> [UInt8]? {
        var line: [UInt8] = []
        var sawAnything = false
        while true {
            if position == buffer.count {
                buffer = try source.read(at: offset, upTo: 1 << 16)
                position = 0
                offset += UInt64(buffer.count)
                if buffer.isEmpty {
                    guard sawAnything || !line.isEmpty else { return nil }
                    lineNumber += 1
                    if line.last == 0x0D { line.removeLast() }
                    return line
                }
            }
            sawAnything = true
            let rest = buffer[position...]
            let newline = rest.firstIndex(of: 0x0A)
            let piece = rest[..<(newline ?? rest.endIndex)]
            guard line.count + piece.count <= maxLength + 1 else {
                throw .syntax(file: source.name, line: lineNumber + 1,
                              message: "line is longer than \(maxLength) characters; this is not a text record "
                                + "file, or it is corrupt")
            }
            line.append(contentsOf: piece)
            position = newline.map { $0 + 1 } ?? buffer.count
            if newline != nil {
                lineNumber += 1
                if line.last == 0x0D { line.removeLast() }
                return line
            }
        }
    }
}
