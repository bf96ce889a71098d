import BoardCatalog
import Testing

@testable import VirtualRig

@Suite struct DeviceSpecTests {
    @Test func parsesKindBoardAndSettings() throws {
        let spec = try DeviceSpec(parsing: "dfu:bluepill:serial=ABC:port=1-4.2:base=0x08004000")
        #expect(spec == DeviceSpec(kind: "dfu", board: "bluepill", serial: "ABC", port: "1-4.2",
                                   options: ["base": "0x08004000"]))
    }

    @Test(arguments: ["dfuse", "dfuse:", ":board", "dfuse:b:serial", "dfuse:b:port=1", "dfuse:b:port=x-1",
                      "dfuse:b:port=1-0", "dfuse:b:serial="])
    func rejectsMalformedSpecs(_ text: String) {
        #expect(throws: VirtualRigError.self) { try DeviceSpec(parsing: text) }
    }

    @Test func portNumbers() {
        #expect(DeviceSpec.portNumbers("2-1.4")?.bus == 2)
        #expect(DeviceSpec.portNumbers("2-1.4")?.ports == [1, 4])
    }

    @Test func unknownKindAndBoardAreBadInput() throws {
        let catalog = try Fixtures.fixtureCatalog()
        do {
            _ = try VirtualRig(specs: [DeviceSpec(kind: "jlink", board: "testboard")], catalog: catalog,
                               options: .init(timeScale: 0))
            Issue.record("an unknown kind was accepted")
        } catch let error as VirtualRigError {
            #expect(error.exitCode == 2)
            #expect(error.description.contains("dfuse"))
        }
        do {
            _ = try VirtualRig(specs: [DeviceSpec(kind: "dfuse", board: "testbord")], catalog: catalog,
                               options: .init(timeScale: 0))
            Issue.record("an unknown board was accepted")
        } catch let error as VirtualRigError {
            #expect(error.exitCode == 2)
            #expect(error.description.contains("testboard"))
        }
    }

    @Test func devicesGetDistinctPortsNumbersAndSerials() throws {
        let catalog = try Fixtures.fixtureCatalog()
        let rig = try VirtualRig(
            specs: [DeviceSpec(kind: "dfuse", board: "testboard"), DeviceSpec(kind: "dfuse", board: "testboard"),
                    DeviceSpec(kind: "dfu", board: "testboard", serial: "SAME", port: "1-7"),
                    DeviceSpec(kind: "dfu", board: "testboard", serial: "SAME")],
            catalog: catalog, options: .init(timeScale: 0))
        #expect(rig.devices.map(\.record.portPath) == ["1-1", "1-2", "1-7", "1-3"])
        #expect(Set(rig.devices.map(\.record.devnode)).count == 4)
        #expect(rig.devices[0].serial != rig.devices[1].serial)
        #expect(rig.devices[0].serial.count == 12)
        #expect(rig.devices[2].serial == rig.devices[3].serial)
        // Defaults are stable, so a second run finds the state of the first.
        #expect(rig.devices[0].serial == VirtualDeviceRegistry.defaultSerial(kind: "dfuse", board: "testboard",
                                                                              ordinal: 0))
    }

    @Test func aTakenPortIsRefused() throws {
        let catalog = try Fixtures.fixtureCatalog()
        #expect(throws: VirtualRigError.self) {
            _ = try VirtualRig(specs: [DeviceSpec(kind: "dfu", board: "testboard", port: "1-2"),
                                       DeviceSpec(kind: "dfu", board: "testboard", port: "1-2")],
                               catalog: catalog, options: .init(timeScale: 0))
        }
    }

    @Test func deeperPortsGetTheirHubs() throws {
        let rig = try VirtualRig(
            specs: [DeviceSpec(kind: "dfu", board: "testboard", port: "1-1.4.2"),
                    DeviceSpec(kind: "dfu", board: "testboard")],
            catalog: try Fixtures.fixtureCatalog(), options: .init(timeScale: 0))
        #expect(rig.devices.map(\.record.portPath) == ["1-1.4.2", "1-2"])
        #expect(rig.hubs.map(\.record.portPath) == ["1-1", "1-1.4"])
        #expect(Set((rig.devices.map(\.record) + rig.hubs.map(\.record)).map(\.device)) == [2, 3, 4, 5])
        #expect(throws: VirtualRigError.self) {
            _ = try VirtualRig(specs: [DeviceSpec(kind: "dfu", board: "testboard", port: "1-1.4"),
                                       DeviceSpec(kind: "dfu", board: "testboard", port: "1-1")],
                               catalog: try Fixtures.fixtureCatalog(), options: .init(timeScale: 0))
        }
    }

    @Test func sysfsRecordHasWhatLibusbNeeds() throws {
        let rig = try VirtualRig(specs: [DeviceSpec(kind: "dfuse", board: "testboard", port: "1-3.2")],
                                 catalog: try Fixtures.fixtureCatalog(), options: .init(timeScale: 0))
        let text = try #require(rig.devices.first).record.text
        // The node holds the descriptors too (libusb 0.1 reads them from it).
        #expect(text.contains("N: bus/usb/001/002=1201000100000040"))
        for line in ["E: SUBSYSTEM=usb", "E: DEVTYPE=usb_device",
                     "E: DEVNAME=/dev/bus/usb/001/002", "A: busnum=1\\n", "A: devnum=2\\n",
                     "A: bConfigurationValue=1\\n", "P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3.2"] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
        #expect(text.contains("H: descriptors=120100010000004083041"))
    }
}
