import BoardCatalog

/// A chip's flash as a byte array, shaped by its region in the chip YAML: erased value, sector map, write unit
/// and datasheet times.
///
/// Programming only clears bits (`new = old & data`), as NOR flash does: writing over bytes that were not
/// erased gives what real flash gives, not what was asked for. Each operation returns its datasheet duration
/// in milliseconds; the device model reports it to the host (DFU bwPollTimeout) through the `VirtualClock`.
public final class VirtualFlash {
    public let region: MemoryRegion
    public private(set) var bytes: [UInt8]
    /// Set by every change, cleared by `FlashStateStore.save`.
    public internal(set) var isDirty = false

    /// Datasheet fallbacks for chip files that give no times, so a slow operation never looks instantaneous.
    static let defaultSectorEraseMilliseconds = 20.0
    static let defaultProgramMicroseconds = 20.0

    public init(region: MemoryRegion) {
        self.region = region
        bytes = [UInt8](repeating: region.erased, count: Int(region.size))
    }

    public var start: UInt64 { region.start }
    public var end: UInt64 { region.end }

    public func contains(_ address: UInt64) -> Bool { region.contains(address) }

    /// Up to `count` bytes from `address`, fewer at the end of the region.
    public func read(_ address: UInt64, count: Int) -> [UInt8] {
        guard contains(address), count > 0 else { return [] }
        let offset = Int(address - start)
        return Array(bytes[offset..<min(bytes.count, offset + count)])
    }

    /// ANDs `data` into the flash at `address`; returns the datasheet time in milliseconds.
    @discardableResult
    public func program(_ address: UInt64, _ data: [UInt8]) throws -> Double {
        guard region.contains(address..<(address + UInt64(data.count))) else {
            throw VirtualRigError.addressOutOfRange(address, count: data.count, region: "flash '\(region.name)'")
        }
        let offset = Int(address - start)
        for (index, byte) in data.enumerated() { bytes[offset + index] &= byte }
        isDirty = true
        let units = (data.count + region.writeUnit - 1) / region.writeUnit
        return Double(units) * (region.programMicroseconds ?? Self.defaultProgramMicroseconds) / 1_000
    }

    /// Erases the sector holding `address`; returns the sector and its datasheet erase time in milliseconds.
    public func eraseSector(containing address: UInt64) throws -> (sector: Sector, milliseconds: Double) {
        guard let sector = region.sector(containing: address) else {
            throw VirtualRigError.addressOutOfRange(address, count: 1, region: "the sectors of flash '\(region.name)'")
        }
        let offset = Int(sector.start - start)
        for index in offset..<(offset + Int(sector.size)) { bytes[index] = region.erased }
        isDirty = true
        return (sector, sector.eraseMilliseconds ?? Self.defaultSectorEraseMilliseconds)
    }

    /// Erases the whole array; returns the datasheet mass-erase time in milliseconds (the sum of the sector
    /// erase times when the chip file gives none).
    @discardableResult
    public func massErase() -> Double {
        for index in bytes.indices { bytes[index] = region.erased }
        isDirty = true
        if let time = region.massEraseMilliseconds { return time }
        return region.sectorList.reduce(0) { $0 + ($1.eraseMilliseconds ?? Self.defaultSectorEraseMilliseconds) }
    }

    /// Replaces the contents, as loaded from a state file of the same size.
    func restore(_ contents: [UInt8]) {
        precondition(contents.count == bytes.count, "FlashStateStore checks the size before restoring")
        bytes = contents
        isDirty = false
    }
}
