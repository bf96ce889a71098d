import BoardCatalog

/// What the flash core needs from a programmer: read, erase, program, and what it is good at.
///
/// Programmers implement this; the flash core alone decides order and batching. Addresses are absolute.
public protocol FlashTarget: AnyObject {
    var capabilities: FlashCapabilities { get }
    func read(address: UInt64, count: Int) throws -> [UInt8]
    func erase(sector: Sector) throws
    func massErase() throws
    /// Writes `bytes` at `address`; both are aligned to the region's write unit and the range is erased or
    /// only clears bits.
    func program(address: UInt64, bytes: [UInt8]) throws
    /// A checksum computed by the target over a range, when the programmer can compute one without reading the
    /// bytes back over USB; nil when it cannot. Compared with `FlashChecksum.crc32` of the expected bytes.
    func checksum(address: UInt64, count: Int) throws -> UInt32?
}

extension FlashTarget {
    public func checksum(address: UInt64, count: Int) throws -> UInt32? { nil }
}

/// What a programmer declares it can do, so the core can size and order its work.
public struct FlashCapabilities: Sendable, Equatable {
    /// The largest single read or program transfer the programmer handles well.
    public var maxTransferSize: Int
    public var canEraseSectors: Bool
    public var canMassErase: Bool

    public init(maxTransferSize: Int, canEraseSectors: Bool = true, canMassErase: Bool = true) {
        self.maxTransferSize = max(1, maxTransferSize)
        self.canEraseSectors = canEraseSectors
        self.canMassErase = canMassErase
    }
}

/// Where the bytes to write come from: sorted, non-overlapping ranges read on demand, so that an image is never
/// held whole in memory.
public protocol FlashSource {
    var ranges: [Range<UInt64>] { get }
    /// The bytes of `range`, which lies inside one of `ranges`.
    func read(_ range: Range<UInt64>) throws -> [UInt8]
}

/// A `FlashSource` over segments already in memory: small images and tests.
public struct InMemoryFlashSource: FlashSource, Sendable {
    public var segments: [(address: UInt64, bytes: [UInt8])]

    public init(segments: [(address: UInt64, bytes: [UInt8])]) {
        self.segments = segments.sorted { $0.address < $1.address }
    }

    public var ranges: [Range<UInt64>] { segments.map { $0.address..<($0.address + UInt64($0.bytes.count)) } }

    public func read(_ range: Range<UInt64>) throws -> [UInt8] {
        guard let segment = segments.first(where: {
            range.lowerBound >= $0.address && range.upperBound <= $0.address + UInt64($0.bytes.count)
        }) else { return [] }
        let offset = Int(range.lowerBound - segment.address)
        return Array(segment.bytes[offset..<(offset + range.count)])
    }
}
