/// Builders for the standard descriptors (USB 2.0 section 9.6) and the string descriptor encoding.
public enum USBDescriptor {
    public static func device(
        bcdUSB: UInt16 = 0x0200, deviceClass: UInt8 = 0, subclass: UInt8 = 0, protocol: UInt8 = 0,
        maxPacketSize0: UInt8 = 64, vendorID: UInt16, productID: UInt16, bcdDevice: UInt16,
        manufacturer: UInt8 = 1, product: UInt8 = 2, serial: UInt8 = 3, configurations: UInt8 = 1
    ) -> [UInt8] {
        [18, 0x01] + le16(bcdUSB) + [deviceClass, subclass, `protocol`, maxPacketSize0] + le16(vendorID)
            + le16(productID) + le16(bcdDevice) + [manufacturer, product, serial, configurations]
    }

    /// A configuration descriptor followed by `body` (interfaces, class descriptors, endpoints), with
    /// wTotalLength computed.
    public static func configuration(
        interfaces: UInt8, body: [UInt8], value: UInt8 = 1, attributes: UInt8 = 0xC0, maxPowerMilliamps: Int = 100
    ) -> [UInt8] {
        let total = UInt16(9 + body.count)
        return [9, 0x02] + le16(total) + [interfaces, value, 0, attributes, UInt8(min(maxPowerMilliamps / 2, 255))]
            + body
    }

    public static func interface(
        number: UInt8, alternate: UInt8, endpoints: UInt8, interfaceClass: UInt8, subclass: UInt8, protocol: UInt8,
        string: UInt8
    ) -> [UInt8] {
        [9, 0x04, number, alternate, endpoints, interfaceClass, subclass, `protocol`, string]
    }

    public static func endpoint(address: UInt8, attributes: UInt8, maxPacketSize: UInt16, interval: UInt8 = 0)
        -> [UInt8]
    {
        [7, 0x05, address, attributes] + le16(maxPacketSize) + [interval]
    }

    /// String descriptor 0: the supported languages (US English only).
    public static let languages: [UInt8] = [4, 0x03, 0x09, 0x04]

    /// A string descriptor: bLength, type 3, UTF-16LE text. Longer strings are cut at 126 code units.
    public static func string(_ text: String) -> [UInt8] {
        let units = Array(text.utf16.prefix(126))
        var bytes: [UInt8] = [UInt8(2 + units.count * 2), 0x03]
        for unit in units { bytes += le16(unit) }
        return bytes
    }

    public static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
}
