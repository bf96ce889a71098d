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
            let uid = try #require(chip.chip.debug?.uniqueID)
            return try (0..<UInt32(uid.size / 4)).map { try chip.read32(UInt32(uid.address) + 4 * $0) }
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

    /// Rig files and tests name boards by serials that differ in their last character only (…L1, …L3).
    @Test func placesThatDifferInTheLastCharacterGiveDifferentIDs() throws {
        let catalog = try BoardCatalog.load(folders: [ChipTestSupport.boardsFolder])
        let chip = try catalog.board("stm32f4-discovery").chip
        let ids = (0..<32).map { SeededUniqueID(chip: chip.id, place: "ATPROV00000000000000L\($0)").bytes(for: chip) }
        #expect(Set(ids).count == 32)
    }

    @Test func theNRF52840sUniqueIDIsItsFICRDeviceID() throws {
        let ids = try uniqueIDs(["cmsis-dap:nrf52840dk"])
        #expect(ids.first?.count == 2)
        let seeded = SeededUniqueID(chip: "nrf52840", place: VirtualDeviceRegistry.defaultSerial(
            kind: "cmsis-dap", board: "nrf52840dk", ordinal: 0)).nordicDeviceID
        #expect(ids.first == [seeded.0, seeded.1])
    }

    @Test func theSTM32BootloaderSerialIsBuiltFromTheUIDAsTheROMDoes() {
        // Words 0x03020100, 0x07060504, 0x0B0A0908: their first and third summed, then the second's top half.
        #expect(SeededUniqueID.stm32BootloaderSerial(uid: Array(0..<12)) == "0E0C0A080706")
        #expect(SeededUniqueID.stm32BootloaderSerial(uid: [UInt8](repeating: 0xFF, count: 12)) == "FFFFFFFEFFFF")
    }

    /// The DfuSe bootloader's default serial comes from the same seeded UID that the chip shows a debug probe
    /// at 0x1FFF7A10 when the board sits at the same place (state name) behind an ST-Link.
    @Test func aDfuSeBoardsSerialIsItsChipsUIDAsTheBootloaderDerivesIt() throws {
        let catalog = try BoardCatalog.load(folders: [ChipTestSupport.boardsFolder])
        let place = VirtualDeviceRegistry.defaultSerial(kind: "dfuse", board: "stm32f4-discovery", ordinal: 0)
        let specs = ["dfuse:stm32f4-discovery", "dfuse:stm32f4-discovery", "stlink:stm32f4-discovery:serial=\(place)",
                     "dfuse:stm32f4-discovery:serial=CHOSEN"]
        let rig = try VirtualRig(specs: specs.map(DeviceSpec.init(parsing:)), catalog: catalog,
                                 options: .init(timeScale: 0))
        let chip = try #require(rig.chipDevices.first?.device.chip)
        chip.halt()
        let uid = try (0..<3).flatMap { index in
            VirtualChip.littleEndian(try chip.read32(0x1FFF_7A10 + 4 * UInt32(index)))
        }
        #expect(rig.devices[0].serial == SeededUniqueID.stm32BootloaderSerial(uid: uid))
        #expect(rig.devices[0].serial.count == 12 && rig.devices[0].serial != rig.devices[1].serial)
        #expect(rig.devices[3].serial == "CHOSEN")
        let again = try VirtualRig(specs: specs.map(DeviceSpec.init(parsing:)), catalog: catalog,
                                   options: .init(timeScale: 0))
        #expect(again.devices.map(\.serial) == rig.devices.map(\.serial))
    }
}
