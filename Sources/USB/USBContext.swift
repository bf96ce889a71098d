import CLibUSB
import Foundation

/// One libusb session: enumeration and opening devices. Each context owns its own `libusb_context`, so two parts of
/// atelier (or two tests) never share libusb state, and `libusb_exit` runs when the last reference goes away.
///
/// Sendable because libusb documents its context functions as thread-safe and the only stored property is the
/// context pointer, written once in `init`. Handles opened from a context keep it alive.
public final class USBContext: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Where Linux keeps USB device nodes; its absence explains why libusb cannot start in a container.
    public static let deviceTreePath = "/dev/bus/usb"

    /// Starts a libusb session. Throws `.noUSBBus` on a machine without /dev/bus/usb (most containers), so callers
    /// can treat "no USB at all" as "no probes" rather than as a failure, and `.initFailed` otherwise.
    public init() throws(USBError) {
        var context: OpaquePointer?
        let code = libusb_init(&context)
        guard code == 0, let context else {
            #if os(Linux)
            if !FileManager.default.fileExists(atPath: Self.deviceTreePath) {
                throw .noUSBBus(path: Self.deviceTreePath)
            }
            #endif
            throw .initFailed(code: code, reason: String(cString: libusb_strerror(code)))
        }
        pointer = context
    }

    deinit {
        libusb_exit(pointer)
    }

    /// Every attached device, sorted by port path. With `readStrings`, each device is opened briefly to read its
    /// manufacturer, product, serial and interface strings; a device that cannot be opened still appears, with
    /// the strings Linux exposes in sysfs and the reason in `stringsError`. Hubs are never opened.
    public func devices(readStrings: Bool = true) throws(USBError) -> [USBDeviceInfo] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(pointer, &list)
        guard count >= 0, let list else {
            throw USBError(libusbCode: Int32(truncatingIfNeeded: count), operation: "list USB devices")
        }
        defer { libusb_free_device_list(list, 1) }
        let sysfs = SysfsUSBDevices.scan()
        var devices: [USBDeviceInfo] = []
        for index in 0..<Int(count) {
            guard let device = list[index], var info = Self.describe(device) else { continue }
            if let path = sysfs.portPath(bus: info.busNumber, address: info.deviceAddress) { info.portPath = path }
            if readStrings && info.deviceClass != Self.hubClass {
                fillStrings(of: device, into: &info)
                // What the device would not tell us, Linux may have cached when it enumerated the device.
                info.manufacturer = info.manufacturer ?? sysfs.attribute("manufacturer", of: info.portPath)
                info.product = info.product ?? sysfs.attribute("product", of: info.portPath)
                info.serial = info.serial ?? sysfs.attribute("serial", of: info.portPath)
            }
            devices.append(info)
        }
        return devices.sorted { ($0.portPath, $0.deviceAddress) < ($1.portPath, $1.deviceAddress) }
    }

    /// Opens the device that `info` describes, found again by bus number and address (which change when the
    /// device is replugged or reset, and then this throws `.noDevice`).
    public func open(_ info: USBDeviceInfo) throws(USBError) -> USBDeviceHandle {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(pointer, &list)
        guard count >= 0, let list else {
            throw USBError(libusbCode: Int32(truncatingIfNeeded: count), operation: "list USB devices")
        }
        defer { libusb_free_device_list(list, 1) }
        for index in 0..<Int(count) {
            guard let device = list[index],
                  libusb_get_bus_number(device) == info.busNumber,
                  libusb_get_device_address(device) == info.deviceAddress else { continue }
            var handle: OpaquePointer?
            let code = libusb_open(device, &handle)
            guard code == 0, let handle else {
                throw USBError(libusbCode: code, operation: "open \(info)")
            }
            return USBDeviceHandle(handle: handle, device: info, context: self)
        }
        throw .noDevice(operation: "open \(info)")
    }

    static let hubClass: UInt8 = 0x09

    /// Reads the strings through a short-lived handle; on failure, `devices()` falls back to sysfs.
    private func fillStrings(of device: OpaquePointer, into info: inout USBDeviceInfo) {
        var rawHandle: OpaquePointer?
        let code = libusb_open(device, &rawHandle)
        guard code == 0, let rawHandle else {
            info.stringsError = USBError(libusbCode: code, operation: "open \(info) to read its strings")
            return
        }
        let handle = USBDeviceHandle(handle: rawHandle, device: info, context: self)
        defer { handle.close() }
        var descriptor = libusb_device_descriptor()
        guard libusb_get_device_descriptor(device, &descriptor) == 0 else { return }
        // A device that fails one string often fails them all (no langid); keep what worked, remember why not.
        func read(_ index: UInt8) -> String? {
            do {
                return try handle.readString(index: index)
            } catch {
                if info.stringsError == nil { info.stringsError = error }
                return nil
            }
        }
        info.manufacturer = read(descriptor.iManufacturer)
        info.product = read(descriptor.iProduct)
        info.serial = read(descriptor.iSerialNumber)
        for index in info.alternateSettings.indices where info.alternateSettings[index].nameIndex != 0 {
            info.alternateSettings[index].name = read(info.alternateSettings[index].nameIndex)
        }
    }
}

/// Linux's view of the USB devices in /sys/bus/usb/devices, keyed by (bus, address).
///
/// The kernel names each device by its port path (`1-4.2`); libusb rebuilds that path from the parent chain and
/// gets only the last port when a parent hub is not enumerated (as under umockdev), so the kernel name wins.
struct SysfsUSBDevices {
    static let defaultRoot = "/sys/bus/usb/devices"
    var root = defaultRoot
    var names: [UInt16: String] = [:]

    static func key(bus: UInt8, address: UInt8) -> UInt16 { UInt16(bus) << 8 | UInt16(address) }

    /// Interface folders (`1-4.2:1.0`) are skipped; root hubs (`usb1`) are read but never parse as port paths.
    static func scan(root: String = defaultRoot) -> SysfsUSBDevices {
        var result = SysfsUSBDevices(root: root)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where !name.contains(":") {
            guard let bus = read("\(root)/\(name)/busnum").flatMap(UInt8.init),
                  let address = read("\(root)/\(name)/devnum").flatMap(UInt8.init) else { continue }
            result.names[key(bus: bus, address: address)] = name
        }
        return result
    }

    /// The port path the kernel gives the device, nil for root hubs (`usb1`) or when sysfs does not know it.
    func portPath(bus: UInt8, address: UInt8) -> USBPortPath? {
        names[Self.key(bus: bus, address: address)].flatMap { USBPortPath($0) }.flatMap { $0.bus == bus ? $0 : nil }
    }

    /// A string attribute (`manufacturer`, `product`, `serial`) of the device at `path`, readable by every user.
    func attribute(_ attribute: String, of path: USBPortPath) -> String? {
        guard !path.ports.isEmpty else { return nil }
        let name = "\(path.bus)-" + path.ports.map(String.init).joined(separator: ".")
        return Self.read("\(root)/\(name)/\(attribute)")
    }

    static func read(_ file: String) -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
