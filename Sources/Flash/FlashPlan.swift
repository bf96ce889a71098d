import BoardCatalog

/// The sectors an image touches and which of its bytes go into each, decided before any device is opened.
public struct FlashPlan: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        /// The flash region the sector belongs to.
        public var region: MemoryRegion
        public var sector: Sector
        /// The parts of the image inside this sector, in address order.
        public var pieces: [Range<UInt64>]

        public var imageBytes: UInt64 { pieces.reduce(0) { $0 + UInt64($1.count) } }
        /// True when the image covers the whole sector, so nothing on the device needs preserving.
        public var coversSector: Bool { imageBytes == sector.size }
    }

    public var steps: [Step]
    public var options: FlashOptions

    public var imageBytes: UInt64 { steps.reduce(0) { $0 + $1.imageBytes } }
    public var sectorBytes: UInt64 { steps.reduce(0) { $0 + $1.sector.size } }
}

/// How to flash: what the user asked for with `--full`, `--mass-erase`, `--no-verify`.
public struct FlashOptions: Sendable, Equatable {
    /// Verify every written sector by read-back (or on-target checksum).
    public var verify: Bool
    /// Erase the rest of every touched sector instead of preserving bytes the image does not cover.
    public var full: Bool
    /// Erase the whole chip first; no sector is compared or skipped.
    public var massErase: Bool

    public init(verify: Bool = true, full: Bool = false, massErase: Bool = false) {
        self.verify = verify
        self.full = full
        self.massErase = massErase
    }
}

/// Maps image ranges onto a board's flash sectors. Pure: no I/O, so it is tested with tables.
public struct FlashPlanner: Sendable {
    public var memory: [MemoryRegion]

    public init(memory: [MemoryRegion]) {
        self.memory = memory
    }

    public func plan(_ ranges: [Range<UInt64>], options: FlashOptions = FlashOptions()) throws(FlashError) -> FlashPlan {
        let flashRegions = memory.filter { $0.kind == .flash && !$0.sectors.isEmpty }
        try checkFits(ranges, in: flashRegions)
        var steps: [FlashPlan.Step] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            for region in flashRegions where region.overlaps(range) {
                var address = max(range.lowerBound, region.start)
                let end = min(range.upperBound, region.end)
                while address < end, let sector = region.sector(containing: address) {
                    let piece = address..<min(end, sector.end)
                    if let last = steps.indices.last, steps[last].sector == sector, steps[last].region == region {
                        steps[last].pieces.append(piece)
                    } else {
                        steps.append(FlashPlan.Step(region: region, sector: sector, pieces: [piece]))
                    }
                    address = piece.upperBound
                }
            }
        }
        return FlashPlan(steps: steps, options: options)
    }

    /// Refuses the whole image, before anything is touched, when one byte would land outside flash.
    private func checkFits(_ ranges: [Range<UInt64>], in regions: [MemoryRegion]) throws(FlashError) {
        for range in ranges where !range.isEmpty {
            var address = range.lowerBound
            while address < range.upperBound {
                if let region = regions.first(where: { $0.contains(address) }) {
                    address = min(range.upperBound, region.end)
                    continue
                }
                let next = regions.map(\.start).filter { $0 > address && $0 < range.upperBound }.min() ?? range.upperBound
                let outside = address..<next
                let nearest = regions.min { distance($0, outside) < distance($1, outside) }
                throw .outsideFlash(outside, nearest: nearest.map { FlashError.RegionName(name: $0.name, range: $0.start..<$0.end) })
            }
        }
    }

    private func distance(_ region: MemoryRegion, _ range: Range<UInt64>) -> UInt64 {
        if range.upperBound <= region.start { return region.start - range.upperBound }
        if range.lowerBound >= region.end { return range.lowerBound - region.end }
        return 0
    }
}
