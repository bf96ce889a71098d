import Foundation
import Testing
@testable import USB

struct SysfsUSBDevicesTests {
    /// A fake /sys/bus/usb/devices: a root hub, a hub, a device behind it with its interface, and one without strings.
    func makeTree() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-sysfs-\(UUID().uuidString)")
        let entries: [(String, [String: String])] = [
            ("usb1", ["busnum": "1", "devnum": "1"]),
            ("1-4", ["busnum": "1", "devnum": "3"]),
            ("1-4.2", ["busnum": "1\n", "devnum": "7\n", "serial": "066DFF\n", "product": "STM32 STLink\n"]),
            ("1-4.2:1.0", ["bInterfaceClass": "ff"]),
            ("2-1", ["busnum": "2", "devnum": "7", "serial": "  \n"]),
        ]
        for (name, attributes) in entries {
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (key, value) in attributes {
                try value.write(to: folder.appendingPathComponent(key), atomically: true, encoding: .utf8)
            }
        }
        return root
    }

    @Test func portPathsComeFromTheKernelNames() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let sysfs = SysfsUSBDevices.scan(root: root.path)
        #expect(sysfs.portPath(bus: 1, address: 7) == USBPortPath(bus: 1, ports: [4, 2]))
        #expect(sysfs.portPath(bus: 1, address: 3) == USBPortPath(bus: 1, ports: [4]))
        #expect(sysfs.portPath(bus: 2, address: 7) == USBPortPath(bus: 2, ports: [1]))
        #expect(sysfs.portPath(bus: 1, address: 1) == nil, "root hubs have no port path")
        #expect(sysfs.portPath(bus: 3, address: 1) == nil)
    }

    @Test func stringAttributesAreTrimmedAndBlankMeansNone() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let sysfs = SysfsUSBDevices.scan(root: root.path)
        let stlink = USBPortPath(bus: 1, ports: [4, 2])
        #expect(sysfs.attribute("serial", of: stlink) == "066DFF")
        #expect(sysfs.attribute("product", of: stlink) == "STM32 STLink")
        #expect(sysfs.attribute("manufacturer", of: stlink) == nil)
        #expect(sysfs.attribute("serial", of: USBPortPath(bus: 2, ports: [1])) == nil)
        #expect(sysfs.attribute("serial", of: USBPortPath(bus: 1, ports: [])) == nil)
    }

    @Test func aMissingTreeIsEmpty() {
        let sysfs = SysfsUSBDevices.scan(root: "/nonexistent/atelier")
        #expect(sysfs.names.isEmpty)
    }
}
