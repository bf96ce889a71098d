import Crypto
import Foundation

/// Content hashes of files, remembered with the size and modification time they had when hashed.
///
/// Whether a file changed is decided by its content; the stat data only saves re-reading a file whose size
/// and time are unchanged, which keeps a no-op build to a few hundred `stat` calls. A file rewritten with the
/// same bytes hashes the same, so it rebuilds nothing.
struct FileHasher {
    struct Entry: Hashable {
        var size: UInt64
        var mtime: Double
        var hash: String
    }

    var entries: [String: Entry]
    private(set) var reads = 0

    init(entries: [String: Entry] = [:]) {
        self.entries = entries
    }

    /// The SHA-256 of `path`'s content, or nil when it does not exist.
    mutating func hash(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let size = UInt64(info.st_size)
        let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        if let entry = entries[path], entry.size == size, entry.mtime == mtime { return entry.hash }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        reads += 1
        let digest = Self.hash(data)
        entries[path] = Entry(size: size, mtime: mtime, hash: digest)
        return digest
    }

    static func hash(_ data: Data) -> String {
        // Hex by table: String(format:) per byte was the slowest part of hashing.
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: data) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func hash(_ text: String) -> String { hash(Data(text.utf8)) }
}
