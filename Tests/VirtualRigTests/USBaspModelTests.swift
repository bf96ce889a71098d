import BoardCatalog
import Testing
@testable import VirtualRig

/// The USBasp firmware's requests and the ATmega328P's ISP instructions (picoboot-usbasp.md B2–B5).
struct USBaspModelTests {
    let model: VirtualUSBasp

    init() throws {
        let chip = try Fixtures.repositoryCatalog().board("uno").chip
        model = VirtualUSBasp(chip: try AVRISPChip(chip: chip), serial: "X", clock: VirtualClock(timeScale: 0))
    }

    func request(_ id: UInt8, _ send: [UInt8] = [0, 0, 0, 0], length: UInt16 = 4, out data: [UInt8]? = nil)
        -> ControlReply
    {
        let setup = SetupPacket(requestType: data == nil ? 0xC0 : 0x40, request: id,
                                value: UInt16(send[1]) << 8 | UInt16(send[0]),
                                index: UInt16(send[3]) << 8 | UInt16(send[2]),
                                length: data.map { UInt16($0.count) } ?? length)
        return model.control(setup, data: data ?? [])
    }

    func connect() {
        #expect(request(10) == .data([0]))
        #expect(request(1) == .data([]))
        #expect(request(5) == .data([0]))
    }

    @Test func answersAsAVRDudeExpectsWhenConnected() {
        #expect(request(5) == .data([1]))
        connect()
        #expect(request(3, [0x30, 0, 0, 0]) == .data([0, 0x30, 0, 0x1E]))
        #expect(request(3, [0x30, 0, 1, 0]) == .data([0, 0x30, 0, 0x95]))
        #expect(request(3, [0x30, 0, 2, 0]) == .data([0, 0x30, 0, 0x0F]))
        #expect(request(3, [0x58, 0x08, 0, 0]) == .data([0, 0x58, 0x08, 0xDE]))
        #expect(request(127) == .data([0, 0, 0, 0]))
    }

    @Test func writeFlashBlocksWriteAPageEachTimeThePageCounterRunsOut() {
        connect()
        let data = (0..<256).map { UInt8(truncatingIfNeeded: $0 * 7) }
        #expect(request(9, [0x00, 0x01, 0, 0]) == .data([]))
        // Page size 128, FIRST only: two pages written by the counter, as avrdude 7.1 sends them.
        #expect(request(6, [0, 0, 128, 0x01], out: data) == .ack)
        #expect(model.chip.flash.read(0x100, count: 256) == data)
        #expect(request(9, [0x00, 0x01, 0, 0]) == .data([]))
        #expect(request(4, length: 200) == .data(Array(data.prefix(200))))
        // TRANSMIT Read Program Memory: word 0x80 low and high bytes.
        #expect(request(3, [0x20, 0x00, 0x80, 0]) == .data([0, 0x20, 0, data[0]]))
        #expect(request(3, [0x28, 0x00, 0x80, 0]) == .data([0, 0x28, 0, data[1]]))
    }

    @Test func aLastBlockFlushesAPartialPageAndChipEraseClearsAll() {
        connect()
        #expect(request(9, [0x80, 0, 0, 0]) == .data([]))
        #expect(request(6, [0, 0, 128, 0x03], out: [1, 2, 3]) == .ack)
        #expect(model.chip.flash.read(0x80, count: 4) == [1, 2, 3, 0xFF])
        #expect(request(3, [0xAC, 0x80, 0, 0]) == .data([0, 0xAC, 0x80, 0]))
        #expect(model.chip.flash.read(0x80, count: 3) == [0xFF, 0xFF, 0xFF])
    }

    @Test func pageWritesOnlyClearBitsAsFlashDoes() {
        connect()
        for (low, high) in [(0x0F, 0xF0), (0xF3, 0x3F)] {
            _ = request(3, [0x40, 0, 0, UInt8(low)])
            _ = request(3, [0x48, 0, 0, UInt8(high)])
            _ = request(3, [0x4C, 0, 0, 0])
        }
        #expect(model.chip.flash.read(0, count: 2) == [0x03, 0x30])
    }

    @Test func eepromBytesAreRewrittenNotAnded() {
        connect()
        _ = request(3, [0xC0, 0, 5, 0x0F])
        _ = request(3, [0xC0, 0, 5, 0xF0])
        #expect(request(3, [0xA0, 0, 5, 0]) == .data([0, 0xA0, 0, 0xF0]))
    }
}
