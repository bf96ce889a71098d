import Crypto

/// A run of bytes that loads at one address.
public struct Segment: Hashable, Sendable {
    public var address: UInt64
    public var bytes: [UInt8]

    public init(address: UInt64, bytes: [UInt8]) {
        self.address = address
        self.bytes = bytes
    }

    public var count: Int { bytes.count }
    /// One past the last address.
    public var end: UInt64 { address + UInt64(bytes.count) }
    public var range: Range<UInt64> { address..<end }
}

/// What a firmware file puts where: sorted, non-overlapping segments and an optional entry point.
///
/// Every format reads into this one model and writes from it, so a conversion never goes through a second,
/// format-specific representation. The image is canonical: empty segments are dropped and segments that touch
/// are joined, so the same bytes at the same addresses make equal images whichever file they came from
/// (an ELF with `.text` and `.data` back to back equals objcopy's HEX of it, which has no segment boundaries).
///
/// The bytes are held once. A flash core walks them with `chunks(maxSize:boundary:)`, whose chunks are slices of
/// the stored arrays, not copies, so a 64 MiB image costs 64 MiB.
public struct FirmwareImage: Hashable, Sendable {
    /// Every supported format addresses 32 bits; nothing may reach past this.
    public static let addressLimit: UInt64 = 1 << 32

    public let segments: [Segment]
    /// Where execution starts, when the file says so. ELF's `e_entry` of 0 and an S-record terminator of 0
    /// mean "none" and read as nil.
    public let entry: UInt64?

    /// Sorts the segments, drops empty ones, joins touching ones, and rejects overlaps and addresses past 4 GiB.
    public init(segments: [Segment], entry: UInt64? = nil) throws(FirmwareImageError) {
        let sorted = segments.filter { !$0.bytes.isEmpty }.sorted { $0.address < $1.address }
        var result: [Segment] = []
        result.reserveCapacity(sorted.count)
        var lastInput: Range<UInt64>?
        for segment in sorted {
            guard segment.address <= Self.addressLimit, UInt64(segment.count) <= Self.addressLimit - segment.address
            else {
                throw .addressOutOfRange(segment.address..<saturatingSum(segment.address, UInt64(segment.count)))
            }
            if let previous = lastInput, segment.address < previous.upperBound {
                throw .overlappingSegments(previous, segment.range)
            }
            lastInput = segment.range
            // Not `if let last = result.last`: a second reference to its bytes would make the append copy them.
            if result.last?.end == segment.address {
                result[result.count - 1].bytes.append(contentsOf: segment.bytes)
            } else {
                result.append(segment)
            }
        }
        self.segments = result
        self.entry = entry
    }

    /// An image with no bytes.
    public static let empty = FirmwareImage(validated: [], entry: nil)

    /// For readers and transforms that already hold canonical segments.
    init(validated segments: [Segment], entry: UInt64?) {
        self.segments = segments
        self.entry = entry
    }

    public var isEmpty: Bool { segments.isEmpty }

    /// The number of bytes the image defines (gaps not counted).
    public var totalSize: UInt64 { segments.reduce(0) { $0 + UInt64($1.count) } }

    /// From the first byte to one past the last, gaps included; nil for an empty image.
    public var span: Range<UInt64>? {
        guard let first = segments.first, let last = segments.last else { return nil }
        return first.address..<last.end
    }

    /// The same bytes with another entry point.
    public func with(entry: UInt64?) -> FirmwareImage { FirmwareImage(validated: segments, entry: entry) }

    /// The SHA-256 of what the image loads, as 64 lowercase hex digits.
    ///
    /// Hashed, for each segment in address order: its address as 8 bytes little-endian, its length as 8 bytes
    /// little-endian, then its bytes. Segments are canonical (touching ones joined), so the digest depends only
    /// on which value sits at which address, never on the file format or how it split its records. Addresses are
    /// included so that the same bytes linked for another location give another digest. The entry point is not
    /// hashed: it changes nothing that is written to the chip.
    public var sha256: String { lowercaseHex(sha256Digest) }

    /// The 32 raw bytes of `sha256`.
    public var sha256Digest: [UInt8] {
        var hasher = SHA256()
        for segment in segments {
            hasher.update(data: littleEndianBytes(segment.address) + littleEndianBytes(UInt64(segment.count)))
            hasher.update(data: segment.bytes)
        }
        return Array(hasher.finalize())
    }

    /// The image's bytes in `range`, with `fill` where the image has none: a sector's worth for a flash core.
    public func bytes(in range: Range<UInt64>, fill: UInt8) -> [UInt8] {
        var result = [UInt8](repeating: fill, count: Int(range.upperBound - range.lowerBound))
        for segment in segments(overlapping: range) {
            let from = max(segment.address, range.lowerBound)
            let to = min(segment.end, range.upperBound)
            let source = Int(from - segment.address)..<Int(to - segment.address)
            let target = Int(from - range.lowerBound)
            result.replaceSubrange(target..<(target + source.count), with: segment.bytes[source])
        }
        return result
    }

    /// The segments' ranges in address order: what a flash planner maps onto sectors. With `read(_:)` this is
    /// the shape of the flash core's `FlashSource`, so `extension FirmwareImage: FlashSource {}` is all it takes.
    public var ranges: [Range<UInt64>] { segments.map(\.range) }

    /// The bytes of `range`, which must lie inside one segment (as the pieces of a flash plan do); empty
    /// otherwise, which a flash core reports as a short read. The bytes are copied once, from the stored segment.
    public func read(_ range: Range<UInt64>) -> [UInt8] {
        guard let segment = segments(overlapping: range).first, segment.range.contains(range.lowerBound),
              range.upperBound <= segment.end
        else { return [] }
        let start = Int(range.lowerBound - segment.address)
        return Array(segment.bytes[start..<(start + range.count)])
    }

    /// The segments that share at least one address with `range`, found by binary search.
    public func segments(overlapping range: Range<UInt64>) -> ArraySlice<Segment> {
        var low = 0
        var high = segments.count
        while low < high {
            let middle = (low + high) / 2
            if segments[middle].end <= range.lowerBound { low = middle + 1 } else { high = middle }
        }
        var upper = low
        while upper < segments.count, segments[upper].address < range.upperBound { upper += 1 }
        return segments[low..<upper]
    }

    /// The image cut into pieces of at most `maxSize` bytes that never cross a multiple of `boundary`
    /// (a flash page, a UF2 payload, a HEX record), in address order.
    public func chunks(maxSize: Int, boundary: UInt64? = nil) -> ChunkSequence {
        ChunkSequence(segments: segments, maxSize: max(1, maxSize), boundary: boundary)
    }
}

/// Part of a segment: an address and a slice that shares the image's storage.
public struct Chunk: Hashable, Sendable {
    public var address: UInt64
    public var bytes: ArraySlice<UInt8>

    public var end: UInt64 { address + UInt64(bytes.count) }
}

/// Lazily yields the chunks of an image, so walking a large image allocates nothing per chunk but a slice.
public struct ChunkSequence: Sequence, Sendable {
    let segments: [Segment]
    let maxSize: Int
    let boundary: UInt64?

    public struct Iterator: IteratorProtocol {
        let sequence: ChunkSequence
        var segmentIndex = 0
        var offset = 0

        public mutating func next() -> Chunk? {
            while segmentIndex < sequence.segments.count {
                let segment = sequence.segments[segmentIndex]
                guard offset < segment.count else {
                    segmentIndex += 1
                    offset = 0
                    continue
                }
                let address = segment.address + UInt64(offset)
                var length = Swift.min(sequence.maxSize, segment.count - offset)
                if let boundary = sequence.boundary, boundary > 0 {
                    length = Int(Swift.min(UInt64(length), boundary - address % boundary))
                }
                let chunk = Chunk(address: address, bytes: segment.bytes[offset..<(offset + length)])
                offset += length
                return chunk
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator { Iterator(sequence: self) }
}

/// `a + b`, or `UInt64.max` when that overflows: for describing hostile ranges without trapping.
func saturatingSum(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? .max : sum
}

func littleEndianBytes(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

/// Bytes as lowercase hex digits, two per byte: how digests are printed.
func lowercaseHex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined()
}
