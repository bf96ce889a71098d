import BoardCatalog

/// What one sector needs, decided from its current and wanted contents. Pure, so it is tested with tables.
public struct SectorUpdate: Equatable, Sendable {
    public enum Action: Equatable, Sendable {
        /// The device already holds the wanted bytes.
        case skip
        /// Every differing write unit is erased on the device: program those units only.
        case program
        /// Some unit needs a bit set back to 1: erase the sector, then program every unit that is not blank.
        case eraseAndProgram
    }

    public var action: Action
    /// The ranges to program, aligned to the write unit and coalesced.
    public var writes: [Range<UInt64>]

    /// - Parameters:
    ///   - current: the sector's bytes on the device.
    ///   - wanted: the sector's bytes after flashing.
    public init(sector: Sector, current: [UInt8], wanted: [UInt8], writeUnit: Int, erased: UInt8) {
        precondition(current.count == wanted.count && wanted.count == Int(sector.size), "sector buffers must match")
        let unit = max(1, writeUnit)
        var differing: [Int] = []
        var needsErase = false
        var unitStart = 0
        while unitStart < wanted.count {
            let unitEnd = min(unitStart + unit, wanted.count)
            if current[unitStart..<unitEnd] != wanted[unitStart..<unitEnd] {
                differing.append(unitStart)
                if current[unitStart..<unitEnd].contains(where: { $0 != erased }) { needsErase = true }
            }
            unitStart = unitEnd
        }
        if differing.isEmpty {
            self.init(action: .skip, writes: [])
        } else if !needsErase {
            self.init(action: .program, writes: Self.coalesce(differing, unit: unit, base: sector.start, limit: wanted.count))
        } else {
            // After an erase every unit that is not blank must be written again, preserved bytes included.
            var blankless: [Int] = []
            var start = 0
            while start < wanted.count {
                let end = min(start + unit, wanted.count)
                if wanted[start..<end].contains(where: { $0 != erased }) { blankless.append(start) }
                start = end
            }
            self.init(action: .eraseAndProgram, writes: Self.coalesce(blankless, unit: unit, base: sector.start, limit: wanted.count))
        }
    }

    init(action: Action, writes: [Range<UInt64>]) {
        self.action = action
        self.writes = writes
    }

    private static func coalesce(_ unitOffsets: [Int], unit: Int, base: UInt64, limit: Int) -> [Range<UInt64>] {
        var ranges: [Range<UInt64>] = []
        for offset in unitOffsets {
            let range = (base + UInt64(offset))..<(base + UInt64(min(offset + unit, limit)))
            if let last = ranges.last, last.upperBound == range.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound..<range.upperBound
            } else {
                ranges.append(range)
            }
        }
        return ranges
    }
}
