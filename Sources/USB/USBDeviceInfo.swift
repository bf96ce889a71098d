/// Where a device is plugged in: the bus and the chain of hub ports, written `usb:1-4.2` (bus 1, port 4, then port 2).
///
/// Unlike the device address, which changes on every re-enumeration, the port path stays the same as long as the
/// cable stays in the same socket, so it is what rig files and `--probe` use to tell identical probes apart.
public struct USBPortPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bus: UInt8
    public var ports: [UInt8]

    public init(bus: UInt8, ports: [UInt8]) {
        self.bus = bus
        self.ports = ports
    }

    /// Parses `usb:1-4.2` (the `usb:` prefix is optional); nil when the text is not a port path.
    public init?(_ text: String) {
        var body = Substring(text)
        if body.lowercased().hasPrefix("usb:") { body = body.dropFirst(4) }
        let parts = body.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let busText = parts.first, let bus = UInt8(busText) else { return nil }
        var ports: [UInt8] = []
        if parts.count == 2 {
            for portText in parts[1].split(separator: ".", omittingEmptySubsequences: false) {
                guard let port = UInt8(portText) else { return nil }
                ports.append(port)
            }
        }
        self.init(bus: bus, ports: ports)
    }

    public var description: String {
        ports.isEmpty ? "usb:\(bus)" : "usb:\(bus)-" + ports.map(String.init).joined(separator: ".")
    }

    public static func < (lhs: USBPortPath, rhs: USBPortPath) -> Bool {
        lhs.bus != rhs.bus ? lhs.bus < rhs.bus : lhs.ports.lexicographicallyPrecedes(rhs.ports)
    }
}

/// One endpoint of an alternate setting.
public struct USBEndpointInfo: Sendable, Hashable {
    /// bEndpointAddress: bit 7 set for IN.
    public var address: UInt8
    /// bmAttributes: bits 1..0 are the transfer type (0 control, 1 isochronous, 2 bulk, 3 interrupt).
    public var attributes: UInt8
    public var maxPacketSize: UInt16

    public init(address: UInt8, attributes: UInt8, maxPacketSize: UInt16) {
        self.address = address
        self.attributes = attributes
        self.maxPacketSize = maxPacketSize
    }

    public var isIn: Bool { address & 0x80 != 0 }
    public var isBulk: Bool { attributes & 0x03 == 2 }
}

/// The DFU functional descriptor (DFU 1.1 section 4.1.3, type 0x21) that follows a DFU interface descriptor.
public struct DFUFunctionalDescriptor: Sendable, Hashable {
    /// bit 0 canDownload, bit 1 canUpload, bit 2 manifestationTolerant, bit 3 willDetach.
    public var attributes: UInt8
    public var detachTimeoutMilliseconds: UInt16
    public var transferSize: UInt16
    /// 0x0110 for DFU 1.1, 0x011A for ST's DfuSe.
    public var dfuVersion: UInt16

    public init(attributes: UInt8, detachTimeoutMilliseconds: UInt16, transferSize: UInt16, dfuVersion: UInt16) {
        self.attributes = attributes
        self.detachTimeoutMilliseconds = detachTimeoutMilliseconds
        self.transferSize = transferSize
        self.dfuVersion = dfuVersion
    }

    /// Finds the functional descriptor among the extra bytes libusb keeps after an interface descriptor.
    public init?(extraDescriptors bytes: [UInt8]) {
        var offset = 0
        while offset + 2 <= bytes.count {
            let length = Int(bytes[offset])
            guard length >= 2, offset + length <= bytes.count else { return nil }
            // DFU 1.1 says bLength is 9, but some DFU 1.0 devices send 7 bytes without bcdDFUVersion.
            if bytes[offset + 1] == 0x21, length >= 7 {
                let field = { (at: Int) -> UInt16 in UInt16(bytes[offset + at]) | UInt16(bytes[offset + at + 1]) << 8 }
                self.init(attributes: bytes[offset + 2], detachTimeoutMilliseconds: field(3),
                          transferSize: field(5), dfuVersion: length >= 9 ? field(7) : 0x0100)
                return
            }
            offset += length
        }
        return nil
    }
}

/// One alternate setting of an interface: its class triple, its iInterface string and its endpoints.
///
/// DfuSe devices describe each memory region as an alternate setting whose string is the region map
/// (`@Internal Flash  /0x08000000/04*016Kg,...`), so the strings matter.
public struct USBAlternateSetting: Sendable, Hashable {
    public var interfaceNumber: UInt8
    public var alternateSetting: UInt8
    public var interfaceClass: UInt8
    public var interfaceSubclass: UInt8
    public var interfaceProtocol: UInt8
    /// iInterface, 0 when the device gives no string.
    public var nameIndex: UInt8
    /// The iInterface string, nil when there is none or it could not be read.
    public var name: String?
    public var endpoints: [USBEndpointInfo]
    public var dfu: DFUFunctionalDescriptor?

    public init(interfaceNumber: UInt8, alternateSetting: UInt8 = 0, interfaceClass: UInt8,
                interfaceSubclass: UInt8 = 0, interfaceProtocol: UInt8 = 0, nameIndex: UInt8 = 0,
                name: String? = nil, endpoints: [USBEndpointInfo] = [], dfu: DFUFunctionalDescriptor? = nil) {
        self.interfaceNumber = interfaceNumber
        self.alternateSetting = alternateSetting
        self.interfaceClass = interfaceClass
        self.interfaceSubclass = interfaceSubclass
        self.interfaceProtocol = interfaceProtocol
        self.nameIndex = nameIndex
        self.name = name
        self.endpoints = endpoints
        self.dfu = dfu
    }

    /// Class 0xFE (application specific), subclass 1 (DFU), protocol 2 (DFU mode, not the runtime interface).
    public var isDFUMode: Bool { interfaceClass == 0xFE && interfaceSubclass == 0x01 && interfaceProtocol == 0x02 }
}

/// What atelier knows about one attached device, read once at enumeration. A plain value: tests build these by hand.
public struct USBDeviceInfo: Sendable, Hashable, CustomStringConvertible {
    public var vendorID: UInt16
    public var productID: UInt16
    /// The device release number, used to tell firmware versions (and DFU quirks) apart.
    public var bcdDevice: UInt16
    public var deviceClass: UInt8
    public var manufacturer: String?
    public var product: String?
    public var serial: String?
    public var busNumber: UInt8
    /// Changes each time the device is re-enumerated; use `portPath` for a stable identity.
    public var deviceAddress: UInt8
    public var portPath: USBPortPath
    /// Every alternate setting of every interface of the active (or first) configuration.
    public var alternateSettings: [USBAlternateSetting]
    /// Why the strings are missing, when opening the device to read them failed (typically `.access`).
    public var stringsError: USBError?

    public init(vendorID: UInt16, productID: UInt16, bcdDevice: UInt16 = 0, deviceClass: UInt8 = 0,
                manufacturer: String? = nil, product: String? = nil, serial: String? = nil,
                busNumber: UInt8 = 1, deviceAddress: UInt8 = 2, portPath: USBPortPath? = nil,
                alternateSettings: [USBAlternateSetting] = [], stringsError: USBError? = nil) {
        self.vendorID = vendorID
        self.productID = productID
        self.bcdDevice = bcdDevice
        self.deviceClass = deviceClass
        self.manufacturer = manufacturer
        self.product = product
        self.serial = serial
        self.busNumber = busNumber
        self.deviceAddress = deviceAddress
        self.portPath = portPath ?? USBPortPath(bus: busNumber, ports: [])
        self.alternateSettings = alternateSettings
        self.stringsError = stringsError
    }

    /// `0483:df11`, lower-case hex as lsusb and udev print it.
    public var vidPid: String { "\(hex4(vendorID)):\(hex4(productID))" }

    /// `0483:df11 at usb:1-4.2`, how messages name a device.
    public var description: String { "\(vidPid) at \(portPath)" }
}

/// Four lower-case hex digits, zero padded.
func hex4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

/// Two hex digits with a 0x prefix, for endpoints and request codes in messages.
func hex2(_ value: UInt8) -> String {
    let digits = String(value, radix: 16)
    return "0x" + (digits.count < 2 ? "0" : "") + digits
}
