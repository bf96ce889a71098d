import BoardCatalog
import Testing

@testable import VirtualRig

/// Each emulated chip has its own unique ID, derived from its place in the rig, as a production line needs to
/// tell two boards of one kind apart (the provisioning ledger records it per unit).
@Suite struct UniqueIDTests {
    /// The unique ID of every chip behind the rig's probes, in `--device` order.
    private func uniqueIDs(_ specs: [String]) throws -> [[UInt32]] {
        let catalog = try BoardCatalog.load(folders: [ChipTestSupport.boardsFolder])
        let rig = try VirtualRig(specs: specs.map(DeviceSpec.init(parsing:)), catalog: catalog,
                                 options: .init(timeScale: 0))
        return try rig.chipDevices.map { _, device in
            let chip = device.chip
            chip.halt()
            let (address, words): (UInt32, UInt32) = if let uid = chip.chip.debug?.uniqueIDAddress {
                (UInt32(uid), 3)
            } else {
                (0x1000_0060, 2)   // nRF52 FICR DEVICEID
            }
            return try (0..<words).map { try chip.read32(address + 4 * $0) }
        }
    }

    @Test(arguments: ["stlink:bluepill", "cmsis-dap:nrf52840dk"])
    func twoBoardsOfOneKindDifferAndTheSameSpecGivesTheSameID(device: String) throws {
        let specs = [device, device + ":serial=0000000000000000000000B2", device + ":port=1-4"]
        let first = try uniqueIDs(specs)
        #expect(first.count == 3)
        #expect(Set(first).count == 3, "\(first)")
        #expect(first.allSatisfy { !$0.contains(0xFFFF_FFFF) })
        #expect(try uniqueIDs(specs) == first)
    }
}
