import BoardCatalog
import Flash

/// A small flash in memory: erase sets a sector to 0xFF, program writes; `corruptOnRead` makes verify fail.
final class MemoryFlashTarget: FlashTarget {
    let region: MemoryRegion
    var bytes: [UInt8]
    var corruptOnRead: UInt64?
    let capabilities = FlashCapabilities(maxTransferSize: 1024)

    /// 64 KiB at 0x08000000 in sixteen 4 KiB sectors, like a small STM32.
    static let memory = [MemoryRegion(name: "flash", kind: .flash, start: 0x0800_0000, size: 0x1_0000,
                                      sectors: [SectorGroup(size: 0x1000, count: 16)], writeUnit: 4)]

    init(region: MemoryRegion = memory[0]) {
        self.region = region
        bytes = [UInt8](repeating: 0xFF, count: Int(region.size))
    }

    func read(address: UInt64, count: Int) throws -> [UInt8] {
        let offset = Int(address - region.start)
        var result = Array(bytes[offset..<(offset + count)])
        if let flip = corruptOnRead, (address..<(address + UInt64(count))).contains(flip) {
            result[Int(flip - address)] ^= 0x01
        }
        return result
    }

    func erase(sector: Sector) throws {
        let offset = Int(sector.start - region.start)
        bytes.replaceSubrange(offset..<(offset + Int(sector.size)), with: repeatElement(0xFF, count: Int(sector.size)))
    }

    func massErase() throws { bytes = [UInt8](repeating: 0xFF, count: bytes.count) }

    func program(address: UInt64, bytes newBytes: [UInt8]) throws {
        let offset = Int(address - region.start)
        for (index, byte) in newBytes.enumerated() { bytes[offset + index] &= byte }
    }
}
