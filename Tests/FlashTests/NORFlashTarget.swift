import BoardCatalog
@testable import Flash

/// A NOR flash in memory that behaves like the real thing: erase sets a sector to the erased value, programming
/// only clears bits and refuses a non-erased write unit, as STM32F1's FPEC does.
final class NORFlashTarget: FlashTarget {
    struct Refused: Error { var address: UInt64 }

    let region: MemoryRegion
    var bytes: [UInt8]
    var capabilities: FlashCapabilities
    var erasedSectors: [Int] = []
    var programCalls = 0
    var bytesRead = 0
    var largestRead = 0
    /// Flips bit 0 of the byte at this address in every read, like a flash cell that no longer holds its charge.
    var flipOnRead: UInt64?
    var offersChecksum = false

    init(region: MemoryRegion, maxTransfer: Int = 1024) {
        self.region = region
        bytes = [UInt8](repeating: region.erased, count: Int(region.size))
        capabilities = FlashCapabilities(maxTransferSize: maxTransfer)
    }

    func read(address: UInt64, count: Int) throws -> [UInt8] {
        let offset = Int(address - region.start)
        bytesRead += count
        largestRead = max(largestRead, count)
        var result = Array(bytes[offset..<(offset + count)])
        if let flip = flipOnRead, (address..<(address + UInt64(count))).contains(flip) {
            result[Int(flip - address)] ^= 1
        }
        return result
    }

    func erase(sector: Sector) throws {
        erasedSectors.append(sector.index)
        let offset = Int(sector.start - region.start)
        bytes.replaceSubrange(offset..<(offset + Int(sector.size)), with: repeatElement(region.erased, count: Int(sector.size)))
    }

    func massErase() throws {
        erasedSectors.append(-1)
        bytes = [UInt8](repeating: region.erased, count: bytes.count)
    }

    func program(address: UInt64, bytes newBytes: [UInt8]) throws {
        programCalls += 1
        precondition(address % UInt64(region.writeUnit) == 0, "unaligned program at \(address)")
        let offset = Int(address - region.start)
        for unit in stride(from: 0, to: newBytes.count, by: region.writeUnit) {
            let end = min(unit + region.writeUnit, newBytes.count)
            if bytes[(offset + unit)..<(offset + end)].contains(where: { $0 != region.erased }) {
                throw Refused(address: address + UInt64(unit))
            }
            for index in unit..<end { bytes[offset + index] &= newBytes[index] }
        }
    }

    func checksum(address: UInt64, count: Int) throws -> UInt32? {
        guard offersChecksum else { return nil }
        let offset = Int(address - region.start)
        return FlashChecksum.crc32(Array(bytes[offset..<(offset + count)]))
    }
}
