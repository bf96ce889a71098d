/// A range of a chip's address space, as the fit check needs it.
///
/// Plain values rather than `BoardCatalog.MemoryRegion` so that this module does not depend on the catalog; the
/// CLI and the flash core map a board's regions onto these.
public struct MemoryArea: Hashable, Sendable, Codable {
    public var name: String
    /// `flash`, `ram`, `rom`, `eeprom`: for messages.
    public var kind: String
    public var start: UInt64
    public var size: UInt64
    /// Whether image bytes may land here (flash and RAM); bytes in other areas count as outside.
    public var loadable: Bool

    public init(name: String, kind: String, start: UInt64, size: UInt64, loadable: Bool) {
        self.name = name
        self.kind = kind
        self.start = start
        self.size = size
        self.loadable = loadable
    }

    public var range: Range<UInt64> { start..<(start + size) }
}

/// Where an image's bytes land on a chip.
public struct FitReport: Hashable, Sendable {
    public struct Usage: Hashable, Sendable {
        public var area: MemoryArea
        /// Image bytes inside the area.
        public var bytes: UInt64
        /// The lowest and one past the highest image address inside the area.
        public var span: Range<UInt64>
    }

    /// Every loadable area the image touches, in the order given.
    public var touched: [Usage]
    /// Image byte ranges in no loadable area, in address order, adjacent ranges joined.
    public var outside: [Range<UInt64>]

    public var fits: Bool { outside.isEmpty }
}

extension FirmwareImage {
    /// Which areas the image touches and which bytes fall outside all loadable ones.
    public func fit(in areas: [MemoryArea]) -> FitReport {
        let loadable = areas.filter(\.loadable)
        var touched: [FitReport.Usage] = []
        for area in loadable {
            var bytes: UInt64 = 0
            var low = UInt64.max
            var high: UInt64 = 0
            for segment in segments(overlapping: area.range) {
                let from = max(segment.address, area.start)
                let to = min(segment.end, area.range.upperBound)
                bytes += to - from
                low = min(low, from)
                high = max(high, to)
            }
            if bytes > 0 { touched.append(.init(area: area, bytes: bytes, span: low..<high)) }
        }
        let covers = loadable.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
        var outside: [Range<UInt64>] = []
        for segment in segments {
            for piece in subtract(covers, from: segment.range) {
                if let last = outside.last, last.upperBound == piece.lowerBound {
                    outside[outside.count - 1] = last.lowerBound..<piece.upperBound
                } else {
                    outside.append(piece)
                }
            }
        }
        return FitReport(touched: touched, outside: outside)
    }

    /// Throws `outsideMemory` for the first byte range outside every loadable area, naming the nearest one.
    public func checkFit(in areas: [MemoryArea]) throws(FirmwareImageError) {
        guard let first = fit(in: areas).outside.first else { return }
        let nearest = areas.filter(\.loadable).min { distance($0.range, first) < distance($1.range, first) }
        throw .outsideMemory(bytes: first, nearest: nearest)
    }
}

/// The parts of `range` that none of `covers` (sorted by start) contains.
private func subtract(_ covers: [Range<UInt64>], from range: Range<UInt64>) -> [Range<UInt64>] {
    var result: [Range<UInt64>] = []
    var cursor = range.lowerBound
    for cover in covers where cover.upperBound > cursor && cover.lowerBound < range.upperBound {
        if cover.lowerBound > cursor { result.append(cursor..<cover.lowerBound) }
        cursor = max(cursor, cover.upperBound)
        if cursor >= range.upperBound { break }
    }
    if cursor < range.upperBound { result.append(cursor..<range.upperBound) }
    return result
}

/// The gap between two ranges; 0 when they overlap or touch.
private func distance(_ a: Range<UInt64>, _ b: Range<UInt64>) -> UInt64 {
    if a.upperBound <= b.lowerBound { return b.lowerBound - a.upperBound }
    if b.upperBound <= a.lowerBound { return a.lowerBound - b.upperBound }
    return 0
}
