import CLibUSB
import Foundation

/// Can this user reach USB devices at all? The facts `atelier doctor` reports, gathered without opening a device.
public struct USBAccess: Sendable, Hashable, Codable {
    /// nil when libusb started; otherwise why not.
    public var libusbError: String?
    /// Whether /dev/bus/usb exists and can be listed.
    public var deviceTreeReadable: Bool
    /// Device nodes under /dev/bus/usb, and how many of them this user may open read-write.
    public var deviceNodes: Int
    public var writableDeviceNodes: Int
    public var udevRules: UdevRules.Status
    public var udevRulesPath: String

    public init(libusbError: String?, deviceTreeReadable: Bool, deviceNodes: Int, writableDeviceNodes: Int,
                udevRules: UdevRules.Status, udevRulesPath: String = UdevRules.installedPath) {
        self.libusbError = libusbError
        self.deviceTreeReadable = deviceTreeReadable
        self.deviceNodes = deviceNodes
        self.writableDeviceNodes = writableDeviceNodes
        self.udevRules = udevRules
        self.udevRulesPath = udevRulesPath
    }

    /// Looks at this machine: starts (and stops) a libusb context, walks /dev/bus/usb, reads the installed rules.
    public static func check(deviceTree: String = USBContext.deviceTreePath,
                             rulesPath: String = UdevRules.installedPath) -> USBAccess {
        var libusbError: String?
        do {
            _ = try USBContext()
        } catch {
            libusbError = error.message
        }
        let files = FileManager.default
        var nodes = 0
        var writable = 0
        let busFolders = (try? files.contentsOfDirectory(atPath: deviceTree)) ?? []
        for bus in busFolders {
            let folder = "\(deviceTree)/\(bus)"
            for node in (try? files.contentsOfDirectory(atPath: folder)) ?? [] {
                nodes += 1
                if access("\(folder)/\(node)", R_OK | W_OK) == 0 { writable += 1 }
            }
        }
        let readable = files.isReadableFile(atPath: deviceTree)
            && (try? files.contentsOfDirectory(atPath: deviceTree)) != nil
        let installed = try? String(contentsOfFile: rulesPath, encoding: .utf8)
        return USBAccess(libusbError: libusbError, deviceTreeReadable: readable, deviceNodes: nodes,
                         writableDeviceNodes: writable, udevRules: UdevRules.status(installedText: installed),
                         udevRulesPath: rulesPath)
    }
}
