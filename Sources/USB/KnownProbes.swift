/// The kinds of programmer and bootloader atelier talks to; raw values are the names board files use in `probes:`.
public enum ProbeKind: String, Sendable, Hashable, CaseIterable, Codable {
    case dfu
    case dfuse
    case stlink
    case cmsisDAP = "cmsis-dap"
    case picoboot
    case usbasp
}

/// One entry of the probe table: how to recognise a device, and what it is.
///
/// Probes are data, not code (as probe-rs and dfu-util's quirk table do it): adding a new ST-Link PID is one line in
/// `KnownProbe.all`, and `atelier udev-rules` picks it up.
public struct KnownProbe: Sendable, Hashable {
    public enum Rule: Sendable, Hashable {
        /// Exactly this VID:PID.
        case usbID(vendor: UInt16, product: UInt16)
        /// A DFU-mode interface (class 0xFE, subclass 1, protocol 2) whose functional descriptor says bcdDFU 0x011A.
        case dfuVersion(UInt16)
        /// The product string or an interface string contains this text (case-insensitive), any VID:PID.
        case stringContains(String)
        /// Any DFU-mode interface, any VID:PID.
        case dfuInterface
    }

    public var kind: ProbeKind
    /// The model as people call it: "ST-Link V2-1".
    public var model: String
    public var rule: Rule

    public init(kind: ProbeKind, model: String, rule: Rule) {
        self.kind = kind
        self.model = model
        self.rule = rule
    }

    public func matches(_ device: USBDeviceInfo) -> Bool {
        switch rule {
        case .usbID(let vendor, let product):
            return device.vendorID == vendor && device.productID == product
        case .dfuVersion(let version):
            return device.alternateSettings.contains { $0.isDFUMode && $0.dfu?.dfuVersion == version }
        case .stringContains(let text):
            let needle = text.lowercased()
            let strings = [device.product] + device.alternateSettings.map(\.name)
            return strings.contains { $0?.lowercased().contains(needle) ?? false }
        case .dfuInterface:
            return device.alternateSettings.contains(where: \.isDFUMode)
        }
    }

    /// The table, most specific rules first: `classify` takes the first match, so an ST-Link that also exposes a
    /// DFU interface is an ST-Link, and a DfuSe bootloader is not reported as plain DFU.
    public static let all: [KnownProbe] = [
        KnownProbe(kind: .dfuse, model: "STM32 DfuSe bootloader", rule: .usbID(vendor: 0x0483, product: 0xDF11)),
        KnownProbe(kind: .stlink, model: "ST-Link V2", rule: .usbID(vendor: 0x0483, product: 0x3748)),
        KnownProbe(kind: .stlink, model: "ST-Link V2-1", rule: .usbID(vendor: 0x0483, product: 0x374B)),
        KnownProbe(kind: .stlink, model: "ST-Link V2-1", rule: .usbID(vendor: 0x0483, product: 0x3752)),
        KnownProbe(kind: .stlink, model: "ST-Link V3", rule: .usbID(vendor: 0x0483, product: 0x374E)),
        KnownProbe(kind: .stlink, model: "ST-Link V3", rule: .usbID(vendor: 0x0483, product: 0x374F)),
        KnownProbe(kind: .stlink, model: "ST-Link V3", rule: .usbID(vendor: 0x0483, product: 0x3753)),
        KnownProbe(kind: .stlink, model: "ST-Link V3", rule: .usbID(vendor: 0x0483, product: 0x3754)),
        KnownProbe(kind: .cmsisDAP, model: "DAPLink CMSIS-DAP", rule: .usbID(vendor: 0x0D28, product: 0x0204)),
        KnownProbe(kind: .picoboot, model: "RP2040 PICOBOOT", rule: .usbID(vendor: 0x2E8A, product: 0x0003)),
        KnownProbe(kind: .usbasp, model: "USBasp", rule: .usbID(vendor: 0x16C0, product: 0x05DC)),
        KnownProbe(kind: .cmsisDAP, model: "CMSIS-DAP", rule: .stringContains("CMSIS-DAP")),
        KnownProbe(kind: .dfuse, model: "DfuSe device", rule: .dfuVersion(0x011A)),
        KnownProbe(kind: .dfu, model: "DFU device", rule: .dfuInterface),
    ]

    /// The first table entry that matches, or nil for a device atelier cannot program.
    public static func classify(_ device: USBDeviceInfo, table: [KnownProbe] = all) -> KnownProbe? {
        table.first { $0.matches(device) }
    }
}

/// An attached device that atelier recognised as a probe.
public struct DetectedProbe: Sendable, Hashable, CustomStringConvertible {
    public var kind: ProbeKind
    public var model: String
    public var device: USBDeviceInfo

    public init(kind: ProbeKind, model: String, device: USBDeviceInfo) {
        self.kind = kind
        self.model = model
        self.device = device
    }

    /// The recognised probes among `devices`, in the order given.
    public static func detect(in devices: [USBDeviceInfo], table: [KnownProbe] = KnownProbe.all) -> [DetectedProbe] {
        devices.compactMap { device in
            KnownProbe.classify(device, table: table).map {
                DetectedProbe(kind: $0.kind, model: $0.model, device: device)
            }
        }
    }

    /// `stlink 0483:3748 serial 066DFF... at usb:1-4.2`, how candidate lists name a probe.
    public var description: String {
        "\(kind.rawValue) \(device.vidPid) serial \(device.serial ?? "-") at \(device.portPath)"
    }
}
