import BoardCatalog
import Foundation

/// Turns a batch's identity spec into each unit's values: pure but for the key source, which tests replace.
public struct IdentityFactory: Sendable {
    public let batch: Batch
    let makeKey: @Sendable (KeyAlgorithm) -> KeyPair

    public init(batch: Batch, makeKey: @escaping @Sendable (KeyAlgorithm) -> KeyPair = KeyPair.generate) {
        self.batch = batch
        self.makeKey = makeKey
    }

    /// The serial and MAC of counter value `sequence`; the MAC advances with the counter from the range's start.
    public func allocation(sequence: UInt64, date: Date) throws(ProvisioningError) -> (serial: String, mac: String?) {
        let spec = batch.identity
        guard spec.serial.first <= sequence, sequence <= spec.serial.last else {
            throw .exhausted("the serial counter (\(spec.serial.first)...\(spec.serial.last))")
        }
        let serial = spec.serial.format.render(sequence: sequence, date: date)
        guard let range = spec.mac else { return (serial, nil) }
        let offset = sequence - spec.serial.first
        guard offset <= range.upperBound.value - range.lowerBound.value,
              let mac = MACAddress(range.lowerBound.value + offset)
        else { throw .exhausted("the MAC range \(range.lowerBound)...\(range.upperBound)") }
        return (serial, mac.description)
    }

    /// The block for a reserved unit, with a fresh key pair when the batch asks for one.
    public func block(serial: String, mac: String?) throws(ProvisioningError) -> IdentityBlock {
        IdentityBlock(
            serial: serial,
            mac: mac.flatMap(MACAddress.init(parsing:)),
            key: batch.identity.key.map(makeKey),
            values: try batch.identity.values?.values(for: serial).map { UnitValue(name: $0.name, value: $0.value) }
                ?? [])
    }

    /// Where the block goes and how many bytes it may take: the batch's address, or the start of the last sector
    /// of the board's first flash region; the block may not leave that sector, so it never shares an erase with
    /// the image.
    public static func placement(
        address: UInt64?, memory: [MemoryRegion], location: SourceLocation
    ) throws(ProvisioningError) -> (address: UInt64, limit: Int) {
        let flash = memory.filter { $0.kind == .flash }
        guard let last = memory.lastFlashSector else {
            throw .invalidBatch(location, "the board has no flash region to hold the identity block")
        }
        guard let address else { return (last.start, Int(last.size)) }
        guard let region = flash.first(where: { $0.contains(address) }),
              let sector = region.sector(containing: address)
        else {
            let text = String(format: "0x%08llX", address)
            throw .invalidBatch(
                location, "identity address \(text) is not in the board's flash; pick one in a flash region")
        }
        guard address % UInt64(max(1, region.writeUnit)) == 0 else {
            throw .invalidBatch(
                location, "identity address is not a multiple of the flash write unit \(region.writeUnit)")
        }
        return (address, Int(sector.end - address))
    }
}
