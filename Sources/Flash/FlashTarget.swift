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
    /// Stream-only targets (`capabilities.streamBase` set): writes `count` bytes from the stream base in one
    /// pass, asking `bytes` for each block in order (offsets from the base) and calling `written` with the
    /// offset reached after each block is on the device.
    func writeStream(count: Int, bytes: (Range<Int>) throws -> [UInt8], written: (Int) -> Void) throws
}

extension FlashTarget {
    public func checksum(address: UInt64, count: Int) throws -> UInt32? { nil }

    public func writeStream(count: Int, bytes: (Range<Int>) throws -> [UInt8], written: (Int) -> Void) throws {
        throw FlashError.unsupported("this programmer writes by address, not as one stream")
    }
}

/// What a programmer declares it can do, so the core can size and order its work.
public struct FlashCapabilities: Sendable, Equatable {
    /// The largest single read or program transfer the programmer handles well.
    public var maxTransferSize: Int
    public var canEraseSectors: Bool
    public var canMassErase: Bool
    /// Set for a programmer that has no addresses and no erase (plain DFU 1.1): it writes one contiguous stream
    /// starting at this address, erasing as it goes, and reads back from here. The core then rewrites the whole
    /// span from this address to the end of the last touched sector in one pass, and verifies it by read-back.
    public var streamBase: UInt64?

    public init(maxTransferSize: Int, canEraseSectors: Bool = true, canMassErase: Bool = true,
                streamBase: UInt64? = nil) {
        self.maxTransferSize = max(1, maxTransferSize)
        self.canEraseSectors = canEraseSectors
        self.canMassErase = canMassErase
        self.streamBase = streamBase
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
