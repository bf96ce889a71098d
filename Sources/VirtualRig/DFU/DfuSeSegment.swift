import BoardCatalog
import Foundation

/// One memory a DfuSe bootloader exposes as an alternate setting: the internal flash (backed by `VirtualFlash`)
/// or a small system area (option bytes, OTP, device feature) backed by plain bytes.
public final class DfuSeSegment {
    public enum Storage {
        case flash(VirtualFlash)
        case bytes([UInt8])
    }

    /// The name as ST spells it, trailing spaces included (`Internal Flash  `).
    public let name: String
    public let start: UInt64
    /// Sector groups in address order: (count, size in bytes).
    public let groups: [(count: Int, size: UInt64)]
    /// The sector-type letter of the layout string: `g` = readable, erasable, writable (UM0424 4.3.2).
    public let type: Character
    /// The multiplier written for sizes that are not whole KiB: ST's bootloaders write a space (`016 g`),
    /// which dfu-util warns about and reads as bytes.
    let byteMultiplier: Character
    public private(set) var storage: Storage

    init(name: String, start: UInt64, groups: [(count: Int, size: UInt64)], type: Character = "g",
         byteMultiplier: Character = "B", storage: Storage) {
        self.name = name
        self.start = start
        self.groups = groups
        self.type = type
        self.byteMultiplier = byteMultiplier
        self.storage = storage
    }

    /// The internal flash segment, with the chip file's sector map.
    convenience init(flash: VirtualFlash) {
        let groups = flash.region.sectors.map { (count: $0.count, size: $0.size) }
        self.init(name: "Internal Flash  ", start: flash.start,
                  groups: groups.isEmpty ? [(1, flash.region.size)] : groups, storage: .flash(flash))
    }

    public var size: UInt64 { groups.reduce(0) { $0 + UInt64($1.count) * $1.size } }
    public var end: UInt64 { start + size }

    public func contains(_ address: UInt64) -> Bool { address >= start && address < end }

    /// The iInterface string dfu-util parses, e.g. `@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg`.
    public var layoutString: String {
        let sectors = groups.map { group -> String in
            let (size, multiplier): (UInt64, Character) =
                group.size % 1024 == 0 ? (group.size / 1024, "K") : (group.size, byteMultiplier)
            return String(format: "%02d*%03llu", group.count, size) + String(multiplier) + String(type)
        }
        return "@\(name)/" + String(format: "0x%08llX", start) + "/" + sectors.joined(separator: ",")
    }

    /// Up to `count` bytes from `address`, fewer at the end of the segment.
    func read(_ address: UInt64, count: Int) -> [UInt8] {
        switch storage {
        case .flash(let flash):
            return flash.read(address, count: count)
        case .bytes(let bytes):
            guard contains(address) else { return [] }
            let offset = Int(address - start)
            return Array(bytes[offset..<min(bytes.count, offset + count)])
        }
    }

    /// Writes `data`; returns the datasheet time in milliseconds. System areas take the bytes as given (the ROM
    /// erases and reprograms them itself).
    func write(_ address: UInt64, _ data: [UInt8]) throws -> Double {
        switch storage {
        case .flash(let flash):
            return try flash.program(address, data)
        case .bytes(var bytes):
            guard contains(address), address + UInt64(data.count) <= end else {
                throw VirtualRigError.addressOutOfRange(address, count: data.count, region: name)
            }
            let offset = Int(address - start)
            bytes.replaceSubrange(offset..<(offset + data.count), with: data)
            storage = .bytes(bytes)
            return Double(data.count) * VirtualFlash.defaultProgramMicroseconds / 1_000
        }
    }
}
