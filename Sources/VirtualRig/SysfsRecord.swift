import Foundation

/// The umockdev text record for one USB device (`umockdev-record` format): the sysfs path, the /dev node, the
/// udev properties and the attributes libusb reads. busnum, devnum, bConfigurationValue and descriptors are the
/// ones libusb cannot do without (`peer-usb-traces.md`); the rest makes `lsusb` and udev rules look real.
public struct SysfsRecord: Equatable, Sendable {
    public var bus: Int
    public var device: Int
    /// Hub port chain from the root hub, e.g. [1, 4] for `1-1.4`.
    public var ports: [Int]
    public var vendorID: UInt16
    public var productID: UInt16
    public var bcdDevice: UInt16
    public var manufacturer: String?
    public var product: String?
    public var serial: String?
    public var descriptors: [UInt8]

    /// The kernel's name for the device: `1-1.4`.
    public var portPath: String { "\(bus)-" + ports.map(String.init).joined(separator: ".") }

    /// `/sys` path below the root: each hub on the way is a parent folder, as the kernel lays it out.
    public var sysfsPath: String {
        var path = "/devices/pci0000:00/0000:00:14.0/usb\(bus)"
        for depth in 1...ports.count {
            path += "/\(bus)-" + ports.prefix(depth).map(String.init).joined(separator: ".")
        }
        return path
    }

    public var devnode: String { "/dev/bus/usb/" + Self.threeDigits(bus) + "/" + Self.threeDigits(device) }

    public var text: String {
        let hex = descriptors.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        var lines = [
            "P: \(sysfsPath)",
            // The node's contents are the descriptors, as usbfs serves them to read(): libusb 0.1 (avrdude's
            // USBasp driver) enumerates by reading the device descriptor from the node, not from sysfs.
            "N: bus/usb/\(Self.threeDigits(bus))/\(Self.threeDigits(device))=\(hex.uppercased())",
            "E: DEVNAME=\(devnode)",
            "E: DEVTYPE=usb_device",
            "E: SUBSYSTEM=usb",
            "E: BUSNUM=\(Self.threeDigits(bus))",
            "E: DEVNUM=\(Self.threeDigits(device))",
            "E: PRODUCT=\(String(vendorID, radix: 16))/\(String(productID, radix: 16))/\(String(bcdDevice, radix: 16))",
            attribute("busnum", "\(bus)"),
            attribute("devnum", "\(device)"),
            attribute("devpath", ports.map(String.init).joined(separator: ".")),
            attribute("bConfigurationValue", "1"),
            attribute("bNumConfigurations", "1"),
            attribute("idVendor", Self.fourHex(vendorID)),
            attribute("idProduct", Self.fourHex(productID)),
            attribute("bcdDevice", Self.fourHex(bcdDevice)),
            attribute("speed", "12"),
        ]
        if let manufacturer { lines.append(attribute("manufacturer", manufacturer)) }
        if let product { lines.append(attribute("product", product)) }
        if let serial { lines.append(attribute("serial", serial)) }
        lines.append("H: descriptors=\(hex.uppercased())")
        return lines.joined(separator: "\n") + "\n"
    }

    /// An attribute line; the value ends in an escaped newline like the kernel's files, and backslashes are
    /// escaped for umockdev's parser.
    private func attribute(_ name: String, _ value: String) -> String {
        "A: \(name)=" + value.replacingOccurrences(of: "\\", with: "\\\\") + "\\n"
    }

    private static func threeDigits(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 3 - text.count)) + text
    }

    private static func fourHex(_ value: UInt16) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
