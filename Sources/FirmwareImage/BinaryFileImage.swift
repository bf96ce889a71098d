import Crypto

/// A raw binary that stays on disk and is read a range at a time, so flashing a 64 MiB image needs a sector's
/// worth of memory, not 64 MiB. Its digest is the same as `FirmwareImage.load` of the same file would give.
public final class BinaryFileImage {
    public let base: UInt64
    public let size: UInt64
    private let source: FileByteSource

    public init(path: String, base: UInt64) throws(FirmwareImageError) {
        source = try FileByteSource(path: path)
        guard base <= FirmwareImage.addressLimit, source.size <= FirmwareImage.addressLimit - base else {
            throw .addressOutOfRange(base..<saturatingSum(base, source.size))
        }
        self.base = base
        size = source.size
    }

    public var name: String { source.name }

    /// One range, like the single segment `BinaryImage.read` would make; none for an empty file.
    public var ranges: [Range<UInt64>] { size == 0 ? [] : [base..<(base + size)] }

    /// The file's bytes that sit at `range`, which must lie inside `ranges`.
    public func read(_ range: Range<UInt64>) throws(FirmwareImageError) -> [UInt8] {
        guard range.lowerBound >= base, range.upperBound <= base + size else {
            throw .addressOutOfRange(range)
        }
        return try source.readExactly(at: range.lowerBound - base, count: range.count, what: "the binary")
    }

    /// SHA-256 as `FirmwareImage.sha256` defines it, hashed in 1 MiB pieces.
    public func sha256() throws(FirmwareImageError) -> String {
        var hasher = SHA256()
        if size > 0 {
            hasher.update(data: littleEndianBytes(base) + littleEndianBytes(size))
            var offset: UInt64 = 0
            while offset < size {
                let count = Int(min(1 << 20, size - offset))
                hasher.update(data: try source.readExactly(at: offset, count: count, what: "the binary"))
                offset += UInt64(count)
            }
        }
        return lowercaseHex(hasher.finalize())
    }
}
