import BoardCatalog
import Foundation

/// Used and free bytes per memory region of the board, from the ELF's loadable segments.
public struct SizeReport: Codable, Hashable, Sendable {
    public struct Region: Codable, Hashable, Sendable {
        public var name: String
        public var kind: String
        public var start: UInt64
        public var capacity: UInt64
        public var used: UInt64

        public var free: UInt64 { used > capacity ? 0 : capacity - used }
        public var overflow: UInt64 { used > capacity ? used - capacity : 0 }
        public var percent: Double { capacity == 0 ? 0 : Double(used) * 100 / Double(capacity) }

        enum CodingKeys: String, CodingKey { case name, kind, start, capacity, used, free, percent }

        public init(name: String, kind: String, start: UInt64, capacity: UInt64, used: UInt64) {
            self.name = name
            self.kind = kind
            self.start = start
            self.capacity = capacity
            self.used = used
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            kind = try container.decode(String.self, forKey: .kind)
            start = try container.decode(UInt64.self, forKey: .start)
            capacity = try container.decode(UInt64.self, forKey: .capacity)
            used = try container.decode(UInt64.self, forKey: .used)
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(kind, forKey: .kind)
            try container.encode(start, forKey: .start)
            try container.encode(capacity, forKey: .capacity)
            try container.encode(used, forKey: .used)
            try container.encode(free, forKey: .free)
            try container.encode((percent * 10).rounded() / 10, forKey: .percent)
        }
    }

    public var regions: [Region]

    /// The first region that is over capacity.
    public var overflowing: Region? { regions.first { $0.overflow > 0 } }

    /// Charges each loadable segment to the board's regions: its file bytes where they are loaded (flash,
    /// for `.data`'s initial values) and its memory bytes where they live at run time (RAM for `.data`,
    /// `.bss` and the stack). Regions the image does not touch are listed with 0 used, except ROMs.
    public init(elf: ELFFile, board: Board) {
        var used: [String: UInt64] = [:]
        for segment in elf.segments where segment.memorySize > 0 || segment.fileSize > 0 {
            let loadRegion = board.chip.region(containing: segment.physicalAddress)
            let runRegion = board.chip.region(containing: segment.virtualAddress)
            if let loadRegion, segment.fileSize > 0 {
                used[loadRegion.name, default: 0] += segment.fileSize
            }
            if let runRegion, runRegion.name != loadRegion?.name || segment.fileSize == 0 {
                used[runRegion.name, default: 0] += segment.memorySize
            } else if let runRegion, segment.memorySize > segment.fileSize {
                used[runRegion.name, default: 0] += segment.memorySize - segment.fileSize
            }
        }
        regions = board.memory.filter { $0.kind != .rom || used[$0.name] != nil }.map { region in
            Region(name: region.name, kind: region.kind.rawValue, start: region.start, capacity: region.size,
                   used: used[region.name] ?? 0)
        }
    }

    public init(regions: [Region]) {
        self.regions = regions
    }

    /// The table `atelier build` and `atelier size` print.
    public var text: String {
        var lines = ["region        used        free    capacity   use"]
        for region in regions {
            let name = region.name.padding(toLength: 10, withPad: " ", startingAt: 0)
            let percent = String(format: "%5.1f%%", region.percent)
            lines.append("\(name) \(pad(region.used)) \(pad(region.free)) \(pad(region.capacity)) \(percent)"
                + (region.overflow > 0 ? "  OVERFLOW by \(region.overflow) bytes" : ""))
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ value: UInt64) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, 11 - text.count)) + text
    }
}
