import Foundation

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
