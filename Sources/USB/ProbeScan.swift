import Foundation

/// The probes attached to this machine, as `atelier probes` and `atelier doctor` report them.
public struct ProbeScan: Sendable {
    public var probes: [DetectedProbe]
    /// Recognised probes whose serial could not be read from the device or from sysfs, typically for lack of
    /// permission; they can still be selected by port path.
    public var unreadable: [DetectedProbe] {
        probes.filter { $0.device.stringsError != nil && $0.device.serial == nil }
    }
    /// Set when this machine has no USB bus at all, so `probes` is empty for a reason other than "none plugged in".
    public var noUSB: USBError?

    public init(probes: [DetectedProbe], noUSB: USBError? = nil) {
        self.probes = probes
        self.noUSB = noUSB
    }

    /// Enumerates with a fresh context. No USB bus (a container) is an empty scan with `noUSB` set, not an error:
    /// "no probe found" is the honest answer there. Other libusb failures throw.
    public static func run(table: [KnownProbe] = KnownProbe.all) throws(USBError) -> ProbeScan {
        let context: USBContext
        do {
            context = try USBContext()
        } catch {
            if case .noUSBBus = error { return ProbeScan(probes: [], noUSB: error) }
            throw error
        }
        let probes = DetectedProbe.detect(in: try context.devices(), table: table)
        #if os(Linux)
        // libusb 1.0.26 starts even without /dev/bus/usb (it then lists nothing); say why the list is empty.
        if probes.isEmpty && !FileManager.default.fileExists(atPath: USBContext.deviceTreePath) {
            return ProbeScan(probes: [], noUSB: .noUSBBus(path: USBContext.deviceTreePath))
        }
        #endif
        return ProbeScan(probes: probes)
    }
}
