/// The 8-byte SETUP packet that starts every control transfer (USB 2.0 section 9.3).
public struct SetupPacket: Hashable, Sendable {
    public var requestType: UInt8
    public var request: UInt8
    public var value: UInt16
    public var index: UInt16
    public var length: UInt16

    public init(requestType: UInt8, request: UInt8, value: UInt16 = 0, index: UInt16 = 0, length: UInt16 = 0) {
        self.requestType = requestType
        self.request = request
        self.value = value
        self.index = index
        self.length = length
    }

    /// Parses the wire form, little-endian; nil when fewer than 8 bytes are given.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 8 else { return nil }
        requestType = bytes[0]
        request = bytes[1]
        value = UInt16(bytes[2]) | UInt16(bytes[3]) << 8
        index = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        length = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
    }

    public var bytes: [UInt8] {
        [requestType, request, UInt8(value & 0xFF), UInt8(value >> 8), UInt8(index & 0xFF), UInt8(index >> 8),
         UInt8(length & 0xFF), UInt8(length >> 8)]
    }

    /// Device-to-host (IN) data stage.
    public var isIn: Bool { requestType & 0x80 != 0 }

    public enum Kind: UInt8, Sendable { case standard = 0, classSpecific = 1, vendor = 2, reserved = 3 }

    public var kind: Kind { Kind(rawValue: (requestType >> 5) & 0x03) ?? .reserved }

    public enum Recipient: UInt8, Sendable { case device = 0, interface = 1, endpoint = 2, other = 3 }

    public var recipient: Recipient { Recipient(rawValue: requestType & 0x1F) ?? .other }

    /// A class request to an interface, host to device (0x21), as DFU uses.
    public static func classOut(_ request: UInt8, value: UInt16 = 0, index: UInt16 = 0, length: UInt16 = 0)
        -> SetupPacket
    {
        SetupPacket(requestType: 0x21, request: request, value: value, index: index, length: length)
    }

    /// A class request to an interface, device to host (0xA1).
    public static func classIn(_ request: UInt8, value: UInt16 = 0, index: UInt16 = 0, length: UInt16) -> SetupPacket {
        SetupPacket(requestType: 0xA1, request: request, value: value, index: index, length: length)
    }
}
