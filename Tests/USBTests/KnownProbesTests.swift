import Testing
@testable import USB

struct KnownProbesTests {
    static func dfuAlt(_ alternate: UInt8 = 0, version: UInt16? = 0x0110, name: String? = nil) -> USBAlternateSetting {
        USBAlternateSetting(
            interfaceNumber: 0, alternateSetting: alternate, interfaceClass: 0xFE, interfaceSubclass: 0x01,
            interfaceProtocol: 0x02, name: name,
            dfu: version.map { DFUFunctionalDescriptor(attributes: 0x0B, detachTimeoutMilliseconds: 255,
                                                       transferSize: 2048, dfuVersion: $0) })
    }

    static let vendorAlt = USBAlternateSetting(interfaceNumber: 0, interfaceClass: 0xFF, interfaceSubclass: 0xFF,
                                               interfaceProtocol: 0xFF)

    @Test(arguments: [
        (USBDeviceInfo(vendorID: 0x0483, productID: 0xDF11, alternateSettings: [dfuAlt(version: 0x011A)]),
         ProbeKind.dfuse, "STM32 DfuSe bootloader"),
        (USBDeviceInfo(vendorID: 0x1234, productID: 0x5678, alternateSettings: [dfuAlt(version: 0x011A)]),
         .dfuse, "DfuSe device"),
        (USBDeviceInfo(vendorID: 0x1234, productID: 0x5678, alternateSettings: [dfuAlt(version: 0x0110)]),
         .dfu, "DFU device"),
        (USBDeviceInfo(vendorID: 0x1234, productID: 0x5678, alternateSettings: [dfuAlt(version: nil)]),
         .dfu, "DFU device"),
        (USBDeviceInfo(vendorID: 0x0483, productID: 0x3748, alternateSettings: [vendorAlt]), .stlink, "ST-Link V2"),
        (USBDeviceInfo(vendorID: 0x0483, productID: 0x374B), .stlink, "ST-Link V2-1"),
        (USBDeviceInfo(vendorID: 0x0483, productID: 0x3752), .stlink, "ST-Link V2-1"),
        (USBDeviceInfo(vendorID: 0x0483, productID: 0x374E), .stlink, "ST-Link V3"),
        (USBDeviceInfo(vendorID: 0x0483, productID: 0x374F), .stlink, "ST-Link V3"),
        (USBDeviceInfo(vendorID: 0x0483, productID: 0x3753), .stlink, "ST-Link V3"),
        (USBDeviceInfo(vendorID: 0x0483, productID: 0x3754), .stlink, "ST-Link V3"),
        (USBDeviceInfo(vendorID: 0x0D28, productID: 0x0204, product: "DAPLink CMSIS-DAP"), .cmsisDAP,
         "DAPLink CMSIS-DAP"),
        (USBDeviceInfo(vendorID: 0x1209, productID: 0xDA42, product: "Pico cmsis-dap probe"), .cmsisDAP, "CMSIS-DAP"),
        (USBDeviceInfo(vendorID: 0xC251, productID: 0xF001, product: "LPC-Link",
                       alternateSettings: [USBAlternateSetting(interfaceNumber: 3, interfaceClass: 0xFF,
                                                               name: "CMSIS-DAP v2")]), .cmsisDAP, "CMSIS-DAP"),
        (USBDeviceInfo(vendorID: 0x2E8A, productID: 0x0003), .picoboot, "RP2040 PICOBOOT"),
        (USBDeviceInfo(vendorID: 0x16C0, productID: 0x05DC), .usbasp, "USBasp"),
        // An ST-Link with a DFU interface is still an ST-Link: exact IDs win over class rules.
        (USBDeviceInfo(vendorID: 0x0483, productID: 0x374B, alternateSettings: [dfuAlt()]), .stlink, "ST-Link V2-1"),
    ])
    func classifies(device: USBDeviceInfo, kind: ProbeKind, model: String) {
        let probe = KnownProbe.classify(device)
        #expect(probe?.kind == kind)
        #expect(probe?.model == model)
    }

    @Test(arguments: [
        USBDeviceInfo(vendorID: 0x046D, productID: 0xC52B, product: "USB Receiver"),
        USBDeviceInfo(vendorID: 0x1D6B, productID: 0x0002, deviceClass: 0x09),
        // DFU runtime (protocol 1) is an application that can switch to DFU, not a bootloader yet.
        USBDeviceInfo(vendorID: 0x1234, productID: 0x0001, alternateSettings: [
            USBAlternateSetting(interfaceNumber: 2, interfaceClass: 0xFE, interfaceSubclass: 1, interfaceProtocol: 1),
        ]),
        USBDeviceInfo(vendorID: 0x0483, productID: 0x5740, product: "STM32 Virtual ComPort"),
    ])
    func ignoresOtherDevices(device: USBDeviceInfo) {
        #expect(KnownProbe.classify(device) == nil)
    }

    @Test func detectKeepsOrderAndDropsUnknownDevices() {
        let devices = [
            USBDeviceInfo(vendorID: 0x046D, productID: 0xC52B),
            USBDeviceInfo(vendorID: 0x0483, productID: 0xDF11, serial: "AAA", portPath: USBPortPath("usb:1-1")),
            USBDeviceInfo(vendorID: 0x0483, productID: 0xDF11, serial: "AAA", portPath: USBPortPath("usb:1-2")),
        ]
        let probes = DetectedProbe.detect(in: devices)
        #expect(probes.map(\.kind) == [.dfuse, .dfuse])
        #expect(probes.map(\.device.portPath.description) == ["usb:1-1", "usb:1-2"])
    }

    @Test func everyKindHasAnEntryAndRawValuesMatchBoardFiles() {
        #expect(Set(KnownProbe.all.map(\.kind)) == Set(ProbeKind.allCases))
        #expect(ProbeKind.allCases.map(\.rawValue) == ["dfu", "dfuse", "stlink", "cmsis-dap", "picoboot", "usbasp"])
    }
}
