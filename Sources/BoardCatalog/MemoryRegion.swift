/// One contiguous range of a chip's address space: flash, RAM, a ROM or an EEPROM.
public struct MemoryRegion: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case flash, ram, rom, eeprom
    }

    public var name: String
    public var kind: Kind
    public var start: UInt64
    public var size: UInt64
    /// Erase units in address order; empty for memories that are not erased (RAM, ROM).
    public var sectors: [SectorGroup]
    /// The smallest unit a program operation writes, in bytes (2 on STM32F1, 4 on nRF52).
    public var writeUnit: Int
    /// The value of an erased byte.
    public var erased: UInt8
    /// Datasheet time to program one write unit, in microseconds; the virtual rig sleeps this long.
    public var programMicroseconds: Double?
    /// Datasheet time for a whole-array erase, in milliseconds.
    public var massEraseMilliseconds: Double?

    public init(
        name: String, kind: Kind, start: UInt64, size: UInt64, sectors: [SectorGroup] = [], writeUnit: Int = 1,
        erased: UInt8 = 0xFF, programMicroseconds: Double? = nil, massEraseMilliseconds: Double? = nil
    ) {
        self.name = name
        self.kind = kind
        self.start = start
        self.size = size
        self.sectors = sectors
        self.writeUnit = writeUnit
        self.erased = erased
        self.programMicroseconds = programMicroseconds
        self.massEraseMilliseconds = massEraseMilliseconds
    }

    /// One past the last address.
    public var end: UInt64 { start + size }

    public func contains(_ address: UInt64) -> Bool { address >= start && address < end }

    public func contains(_ range: Range<UInt64>) -> Bool { range.lowerBound >= start && range.upperBound <= end }

    public func overlaps(_ range: Range<UInt64>) -> Bool { range.lowerBound < end && range.upperBound > start }

    /// Every sector with its absolute address and index, in address order.
    public var sectorList: [Sector] {
        var result: [Sector] = []
        var address = start
        for group in sectors {
            for _ in 0..<group.count {
                result.append(Sector(index: result.count, start: address, size: group.size, eraseMilliseconds: group.eraseMilliseconds))
                address += group.size
            }
        }
        return result
    }

    /// The sector holding `address`, if the region is erasable and holds it.
    public func sector(containing address: UInt64) -> Sector? {
        guard contains(address) else { return nil }
        var base = start
        var index = 0
        for group in sectors {
            let span = group.size * UInt64(group.count)
            if address < base + span {
                let offset = (address - base) / group.size
                return Sector(index: index + Int(offset), start: base + offset * group.size, size: group.size,
                              eraseMilliseconds: group.eraseMilliseconds)
            }
            base += span
            index += group.count
        }
        return nil
    }
}

/// `count` sectors of `size` bytes each, as datasheets list them (STM32F4: 4 x 16K, 1 x 64K, 7 x 128K).
public struct SectorGroup: Hashable, Sendable, Codable {
    public var size: UInt64
    public var count: Int
    /// Datasheet typical erase time of one such sector, in milliseconds.
    public var eraseMilliseconds: Double?

    public init(size: UInt64, count: Int, eraseMilliseconds: Double? = nil) {
        self.size = size
        self.count = count
        self.eraseMilliseconds = eraseMilliseconds
    }
}

/// One erasable unit at its absolute address.
public struct Sector: Hashable, Sendable, Codable {
    public var index: Int
    public var start: UInt64
    public var size: UInt64
    public var eraseMilliseconds: Double?

    public init(index: Int, start: UInt64, size: UInt64, eraseMilliseconds: Double? = nil) {
        self.index = index
        self.start = start
        self.size = size
        self.eraseMilliseconds = eraseMilliseconds
    }

    public var end: UInt64 { start + size }
    public var range: Range<UInt64> { start..<end }
}

extension Collection where Element == MemoryRegion {
    /// The last sector of the first flash region: where per-unit data the image leaves alone (the identity block
    /// of `atelier provision`) goes by default, so it never shares an erase with the image.
    public var lastFlashSector: Sector? { first { $0.kind == .flash }?.sectorList.last }
}
