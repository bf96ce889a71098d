import Foundation

/// Random-access bytes that a reader pulls in pieces: a file on disk, or an array for tests and fuzzers.
///
/// Readers never ask for the whole source at once, so a 180 MB HEX file is parsed in 64 KiB reads, and the only
/// large allocation is the image itself.
public protocol ByteSource {
    /// The file name errors print.
    var name: String { get }
    var size: UInt64 { get }
    /// Up to `count` bytes at `offset`; fewer only at the end of the source.
    func read(at offset: UInt64, upTo count: Int) throws(FirmwareImageError) -> [UInt8]
}

extension ByteSource {
    /// Exactly `count` bytes at `offset`, or an error saying that `what` runs past the end of the file.
    func readExactly(at offset: UInt64, count: Int, what: String) throws(FirmwareImageError) -> [UInt8] {
        guard offset <= size, UInt64(count) <= size - offset else {
            throw .malformed(file: name, offset: offset,
                             message: "\(what) (\(count) bytes) runs past the end of the file (\(size) bytes); "
                                + "the file is truncated or corrupt")
        }
        var result: [UInt8] = []
        result.reserveCapacity(count)
        // Pieces of 1 MiB keep the transient copy that FileHandle makes small next to the result.
        while result.count < count {
            let piece = try read(at: offset + UInt64(result.count), upTo: min(1 << 20, count - result.count))
            guard !piece.isEmpty else {
                throw .malformed(file: name, offset: offset + UInt64(result.count),
                                 message: "the file ended while reading \(what); it changed while being read?")
            }
            result.append(contentsOf: piece)
        }
        return result
    }
}

/// A file read through `FileHandle`, in pieces.
public final class FileByteSource: ByteSource {
    public let name: String
    public let size: UInt64
    private let handle: FileHandle

    public init(path: String) throws(FirmwareImageError) {
        name = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "it is a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadable(path: path, reason: "permission denied")
        }
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            size = try handle.seekToEnd()
        } catch {
            throw .unreadable(path: path, reason: "\(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    public func read(at offset: UInt64, upTo count: Int) throws(FirmwareImageError) -> [UInt8] {
        do {
            try handle.seek(toOffset: offset)
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw .unreadable(path: name, reason: "read failed at offset \(hex(offset)): \(error.localizedDescription)")
        }
    }
}

/// Bytes already in memory, named for messages.
public struct MemoryByteSource: ByteSource, Sendable {
    public let name: String
    public let bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    public var size: UInt64 { UInt64(bytes.count) }

    public func read(at offset: UInt64, upTo count: Int) throws(FirmwareImageError) -> [UInt8] {
        guard offset < size else { return [] }
        let start = Int(offset)
        return Array(bytes[start..<min(bytes.count, start + count)])
    }
}

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

/// Where writers put their output: buffered, then flushed to a file, or kept in memory.
final class ByteWriter {
    private let handle: FileHandle?
    private let path: String
    private(set) var memory: [UInt8] = []
    private var pending: [UInt8] = []

    /// Collects everything in `memory`.
    init() {
        handle = nil
        path = "<memory>"
    }

    init(handle: FileHandle, path: String) {
        self.handle = handle
        self.path = path
        pending.reserveCapacity(1 << 20)
    }

    func write(_ bytes: some Collection<UInt8>) throws(FirmwareImageError) {
        guard handle != nil else { return memory.append(contentsOf: bytes) }
        pending.append(contentsOf: bytes)
        if pending.count >= 1 << 20 { try flush() }
    }

    func write(_ text: String) throws(FirmwareImageError) { try write(Array(text.utf8)) }

    /// `count` copies of `byte`, in bounded pieces, for the gaps of a large BIN.
    func write(repeating byte: UInt8, count: UInt64) throws(FirmwareImageError) {
        var left = count
        let piece = [UInt8](repeating: byte, count: Int(min(count, 1 << 16)))
        while left > 0 {
            let size = Int(min(left, UInt64(piece.count)))
            try write(piece[..<size])
            left -= UInt64(size)
        }
    }

    func flush() throws(FirmwareImageError) {
        guard let handle, !pending.isEmpty else { return }
        do {
            try handle.write(contentsOf: pending)
        } catch {
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
        pending.removeAll(keepingCapacity: true)
    }
}
