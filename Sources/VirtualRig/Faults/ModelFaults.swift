import BoardCatalog

/// The protocol-level faults a DFU model injects itself: a bit flipped on the way out of UPLOAD, and
/// write-protected sectors. The flash itself always holds the truth.
struct ModelFaults {
    /// The byte whose bit 0 read-back flips; latched on the first data read when the spec gave no address.
    private(set) var bitflipAddress: UInt64?
    private var bitflipOnFirstRead = false
    /// Indexes of write-protected sectors in the flash region.
    let protectedSectors: Set<Int>

    init(_ faults: [FaultSpec], region: MemoryRegion, device: String) throws {
        var sectors: Set<Int> = []
        for fault in faults where !fault.isGeneric {
            switch fault {
            case .bitflipReadback(let address):
                bitflipAddress = address
                bitflipOnFirstRead = address == nil
            case .writeProtect(.index(let index)):
                guard index < region.sectorList.count else {
                    throw VirtualRigError.badFault(fault.description, reason: "\(device) has sectors 0 to "
                        + "\(region.sectorList.count - 1)")
                }
                sectors.insert(index)
            case .writeProtect(.address(let address)):
                guard let sector = region.sector(containing: address) else {
                    throw VirtualRigError.badFault(fault.description, reason: "\(hexAddress(address)) is outside "
                        + "the flash of \(device)")
                }
                sectors.insert(sector.index)
            case .unplugAfter, .stallAfter, .timeoutAfter:
                break
            }
        }
        protectedSectors = sectors
    }

    /// `bytes` read from `address`, with the injected bit flip applied when they cover its byte.
    mutating func readBack(_ bytes: [UInt8], at address: UInt64) -> [UInt8] {
        if bitflipOnFirstRead, !bytes.isEmpty {
            bitflipOnFirstRead = false
            bitflipAddress = address
        }
        guard let flip = bitflipAddress, flip >= address, flip < address + UInt64(bytes.count) else { return bytes }
        var copy = bytes
        copy[Int(flip - address)] ^= 0x01
        return copy
    }
}
