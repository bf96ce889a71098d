import BoardCatalog
import Testing
@testable import VirtualRig

/// The RP2040 BOOTSEL model against the PICOBOOT rules of picoboot-usbasp.md A3–A4, driven the way a host does.
struct VirtualPICOBOOTTests {
    let model: VirtualPICOBOOT

    init() throws {
        let chip = try Fixtures.repositoryCatalog().board("pico").chip
        model = try VirtualPICOBOOT(chip: chip, serial: "E0C9125B0D9B", clock: VirtualClock(timeScale: 0))
    }

    func command(_ id: UInt8, size: UInt8, transfer: UInt32 = 0, args: [UInt32] = [], token: UInt32 = 7,
                 magic: UInt32 = 0x431F_D10B) -> [UInt8] {
        var bytes = le(magic) + le(token) + [id, size, 0, 0] + le(transfer)
        for arg in args { bytes += le(arg) }
        return bytes + [UInt8](repeating: 0, count: 32 - bytes.count)
    }

    func le(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    func status() -> (token: UInt32, code: UInt32, command: UInt8) {
        let setup = SetupPacket(requestType: 0xC1, request: 0x42, index: 1, length: 16)
        guard case .data(let bytes) = model.control(setup, data: []), bytes.count == 16 else { return (0, 99, 0) }
        let word = { (at: Int) in (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        return (word(0), word(4), bytes[8])
    }

    func reset() { _ = model.control(SetupPacket(requestType: 0x41, request: 0x41, index: 1), data: []) }

    @Test func describesTheBootROMsTwoInterfaces() {
        #expect(Array(model.deviceDescriptor[8..<12]) == [0x8A, 0x2E, 0x03, 0x00])
        let config = model.configurationDescriptor
        #expect(config[4] == 2)
        // Interface 1: vendor class, EP 0x03 OUT and 0x84 IN.
        #expect(config.count == 9 + 2 * (9 + 7 + 7))
        #expect(Array(config[32..<41]) == [9, 4, 1, 0, 2, 0xFF, 0, 0, 0])
        #expect(config[43] == 0x03 && config[50] == 0x84)
        #expect(model.strings[2] == "RP2 Boot")
    }

    @Test func servesTheROMMarkerPicotoolChecks() {
        #expect(model.bulkOut(endpoint: 0x03, data: command(0x84, size: 8, transfer: 4, args: [0x10, 4])))
        #expect(model.bulkIn(endpoint: 0x84, capacity: 64) == .data([0x4D, 0x75, 0x01, 0x03]))
        // The host's handshake packet ends the IN command.
        #expect(model.bulkOut(endpoint: 0x03, data: [0]))
        #expect(status().code == 0 && status().token == 7)
    }

    @Test func erasesWritesAndReadsFlashWithAZeroLengthHandshake() {
        #expect(model.bulkOut(endpoint: 0x03, data: command(0x06, size: 0)))
        #expect(model.bulkIn(endpoint: 0x84, capacity: 64) == .data([]))
        #expect(!model.xipEnabled)
        let page = (0..<256).map { UInt8($0 ^ 0x5A) }
        #expect(model.bulkOut(endpoint: 0x03, data: command(0x05, size: 8, transfer: 256, args: [0x1000_1000, 256])))
        #expect(model.bulkIn(endpoint: 0x84, capacity: 64) == .pending)
        #expect(model.bulkOut(endpoint: 0x03, data: page))
        #expect(model.bulkIn(endpoint: 0x84, capacity: 64) == .data([]))
        #expect(model.flash.read(0x1000_1000, count: 256) == page)
        #expect(model.bulkOut(endpoint: 0x03, data: command(0x03, size: 8, args: [0x1000_1000, 4096])))
        #expect(model.bulkIn(endpoint: 0x84, capacity: 64) == .data([]))
        #expect(model.flash.read(0x1000_1000, count: 256).allSatisfy { $0 == 0xFF })
    }

    @Test func unalignedEraseStallsBothEndpointsUntilReset() {
        #expect(model.bulkOut(endpoint: 0x03, data: command(0x03, size: 8, args: [0x1000_0100, 4096], token: 9)))
        #expect(model.bulkIn(endpoint: 0x84, capacity: 64) == .stall)
        #expect(!model.bulkOut(endpoint: 0x03, data: command(0x06, size: 0)))
        #expect(status() == (9, 5, 0x03))
        reset()
        #expect(model.bulkOut(endpoint: 0x03, data: command(0x06, size: 0)))
        #expect(model.bulkIn(endpoint: 0x84, capacity: 64) == .data([]))
    }

    @Test func refusesBadMagicWrongLengthsAndAddresses() {
        let cases: [([UInt8], UInt32)] = [
            (command(0x06, size: 0, magic: 0x1234_5678), 1),
            (command(0x06, size: 4), 2),
            (command(0x84, size: 8, transfer: 8, args: [0x1000_0000, 16]), 3),
            (command(0x05, size: 8, transfer: 256, args: [0x0000_0100, 256]), 4),
            (command(0x05, size: 8, transfer: 256, args: [0x1000_0010, 256]), 5),
            (command(0x03, size: 8, args: [0x1020_0000, 4096]), 4),
        ]
        for (bytes, code) in cases {
            reset()
            _ = model.bulkOut(endpoint: 0x03, data: bytes)
            #expect(model.bulkIn(endpoint: 0x84, capacity: 64) == .stall)
            #expect(status().code == code)
        }
    }

    @Test func rebootRefusesFurtherCommands() {
        #expect(model.bulkOut(endpoint: 0x03, data: command(0x02, size: 12, args: [0, 0x2004_2000, 500])))
        #expect(model.bulkIn(endpoint: 0x84, capacity: 64) == .data([]))
        _ = model.bulkOut(endpoint: 0x03, data: command(0x06, size: 0))
        #expect(status().code == 7)
    }
}
