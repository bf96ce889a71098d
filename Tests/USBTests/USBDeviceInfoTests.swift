import Testing
@testable import USB

struct USBDeviceInfoTests {
    @Test(arguments: [
        ("usb:1-4.2", USBPortPath(bus: 1, ports: [4, 2])),
        ("1-4.2", USBPortPath(bus: 1, ports: [4, 2])),
        ("usb:3-1", USBPortPath(bus: 3, ports: [1])),
        ("usb:2", USBPortPath(bus: 2, ports: [])),
        ("usb:1-1.2.3.4.5.6.7", USBPortPath(bus: 1, ports: [1, 2, 3, 4, 5, 6, 7])),
    ])
    func portPathsParseAndPrint(text: String, expected: USBPortPath) {
        #expect(USBPortPath(text) == expected)
        #expect(expected.description == (text.hasPrefix("usb:") ? text : "usb:" + text))
    }

    @Test(arguments: ["", "usb:", "usb:a", "usb:1-", "usb:1-2.", "usb:256-1", "usb:1-2-3"])
    func badPortPathsAreRejected(text: String) {
        #expect(USBPortPath(text) == nil)
    }

    @Test func portPathsSortByBusThenPorts() {
        let paths = ["usb:2-1", "usb:1-4.2", "usb:1-4", "usb:1-10"].compactMap(USBPortPath.init)
        #expect(paths.sorted().map(\.description) == ["usb:1-4", "usb:1-4.2", "usb:1-10", "usb:2-1"])
    }

    @Test func dfuFunctionalDescriptorIsFoundAmongExtraDescriptors() {
        // STM32 ROM bootloader: bmAttributes 0x0B, detach 255 ms, transfer size 2048, bcdDFU 0x011A.
        let stm32: [UInt8] = [0x09, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x08, 0x1A, 0x01]
        #expect(DFUFunctionalDescriptor(extraDescriptors: stm32) == DFUFunctionalDescriptor(
            attributes: 0x0B, detachTimeoutMilliseconds: 255, transferSize: 2048, dfuVersion: 0x011A))
        // Behind another class-specific descriptor.
        let behind: [UInt8] = [0x05, 0x24, 0x00, 0x10, 0x01] + stm32
        #expect(DFUFunctionalDescriptor(extraDescriptors: behind)?.dfuVersion == 0x011A)
        // DFU 1.0 devices send 7 bytes without bcdDFUVersion.
        let short: [UInt8] = [0x07, 0x21, 0x03, 0x10, 0x27, 0x00, 0x04]
        #expect(DFUFunctionalDescriptor(extraDescriptors: short)?.dfuVersion == 0x0100)
        #expect(DFUFunctionalDescriptor(extraDescriptors: short)?.transferSize == 1024)
    }

    @Test(arguments: [[], [0x09], [0x00, 0x21], [0x09, 0x21, 0x0B], [0x05, 0x24, 0, 0, 0]] as [[UInt8]])
    func malformedExtraDescriptorsGiveNil(bytes: [UInt8]) {
        #expect(DFUFunctionalDescriptor(extraDescriptors: bytes) == nil)
    }

    @Test func devicesNameThemselvesByIDAndPort() {
        let device = USBDeviceInfo(vendorID: 0x0483, productID: 0xDF11, portPath: USBPortPath(bus: 1, ports: [4, 2]))
        #expect(device.vidPid == "0483:df11")
        #expect(device.description == "0483:df11 at usb:1-4.2")
        #expect(USBDeviceInfo(vendorID: 1, productID: 0x10, busNumber: 3).description == "0001:0010 at usb:3")
    }

    @Test func endpointDirectionAndType() {
        #expect(USBEndpointInfo(address: 0x81, attributes: 0x02, maxPacketSize: 64).isIn)
        #expect(USBEndpointInfo(address: 0x81, attributes: 0x02, maxPacketSize: 64).isBulk)
        #expect(!USBEndpointInfo(address: 0x02, attributes: 0x03, maxPacketSize: 64).isIn)
        #expect(!USBEndpointInfo(address: 0x02, attributes: 0x03, maxPacketSize: 64).isBulk)
    }
}
