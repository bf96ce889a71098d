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
