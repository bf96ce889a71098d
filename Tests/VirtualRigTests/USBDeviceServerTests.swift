import Testing

@testable import VirtualRig

@Suite struct USBDeviceServerTests {
    let server: USBDeviceServer

    init() throws {
        let model = try DfuSeBootloader(chip: try Fixtures.testBoard().chip, serial: "315A28A0B956",
                                        clock: VirtualClock(timeScale: 0))
        server = USBDeviceServer(model: model, clock: VirtualClock(timeScale: 0))
    }

    private func getDescriptor(_ type: UInt8, _ index: UInt8, length: UInt16) -> ControlReply {
        server.control(SetupPacket(requestType: 0x80, request: 0x06, value: UInt16(type) << 8 | UInt16(index),
                                   length: length), data: []).reply
    }

    @Test func languageListAndStrings() {
        #expect(getDescriptor(3, 0, length: 255) == .data([4, 3, 0x09, 0x04]))
        let serial = USBDescriptor.string("315A28A0B956")
        #expect(getDescriptor(3, 3, length: 255) == .data(serial))
        #expect(serial[0] == 26)
    }

    @Test func repliesAreCutToWLengthButKeepTheirBLength() {
        #expect(getDescriptor(3, 2, length: 2) == .data([36, 3]))
        #expect(getDescriptor(2, 0, length: 9) == .data(Array(server.model.configurationDescriptor.prefix(9))))
    }

    @Test func unknownStringStalls() {
        #expect(getDescriptor(3, 42, length: 255) == .stall)
    }

    @Test func setInterfaceSelectsAnExistingAltOnly() {
        let set = { (alt: UInt16) in
            server.control(SetupPacket(requestType: 0x01, request: 0x0B, value: alt), data: []).reply
        }
        #expect(set(1) == .ack)
        #expect(set(2) == .stall)
    }

    @Test func sysfsDescriptorsAreDeviceThenConfiguration() {
        #expect(server.sysfsDescriptors.count == 18 + server.model.configurationDescriptor.count)
    }

    @Test func busTimeScalesWithTheClock() {
        let clock = VirtualClock(timeScale: 1)
        // 8 setup bytes + 2048 data bytes in 32 packets + setup and status packets: about 1.7 ms at 12 Mbit/s.
        let time = clock.controlTransferTime(length: 2048)
        #expect(time > 1_500 && time < 2_000)
        #expect(VirtualClock(timeScale: 0).controlTransferTime(length: 2048) == 0)
        #expect(VirtualClock(timeScale: 2).pollTimeout(milliseconds: 0.2) == 1)
    }
}
