/// The setup packet of a control transfer (USB 2.0 section 9.3), minus wLength which the transfer supplies.
///
/// `name` is what error messages call the request ("DFU_GETSTATUS"), so a timeout or a stall names it.
public struct USBControlRequest: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable { case standard = 0, `class` = 1, vendor = 2 }
    public enum Recipient: UInt8, Sendable { case device = 0, interface = 1, endpoint = 2, other = 3 }

    public var kind: Kind
    public var recipient: Recipient
    public var request: UInt8
    public var value: UInt16
    public var index: UInt16
    public var name: String?

    public init(kind: Kind, recipient: Recipient, request: UInt8, value: UInt16 = 0, index: UInt16 = 0,
                name: String? = nil) {
        self.kind = kind
        self.recipient = recipient
        self.request = request
        self.value = value
        self.index = index
        self.name = name
    }

    /// bmRequestType for this request in the given direction (bit 7 set for device-to-host).
    public func requestType(in direction: Bool) -> UInt8 {
        (direction ? 0x80 : 0x00) | kind.rawValue << 5 | recipient.rawValue
    }

    public var description: String {
        let code = "bRequest \(hex2(request)), wValue \(value), wIndex \(index)"
        return name.map { "control request \($0) (\(code))" } ?? "control request (\(code))"
    }
}

/// The four USB transfers a protocol driver needs, implemented by `USBDeviceHandle` for real devices and by
/// `ScriptedUSBTransport` (or a driver test's own fake) in unit tests.
///
/// Contract, which a fake must keep so that drivers tested against it behave the same on hardware:
/// - every call blocks until the transfer completes, fails, or `timeout` passes (then `.timeout`);
/// - `controlIn` and `bulkIn` return at most `length` bytes and may return fewer (a short packet ends a read);
/// - `controlOut` and `bulkOut` send all bytes or throw (`.shortTransfer` when the device took fewer);
/// - errors are `USBError`s naming the request, so a driver can rethrow them or wrap them in its own error.
///
/// ```swift
/// let transport = ScriptedUSBTransport([
///     .bulkOut(endpoint: 0x02, data: [0xF1, 0x80]),
///     .bulkIn(endpoint: 0x81, reply: [0x26, 0x47]),
/// ])
/// try transport.bulkOut(endpoint: 0x02, data: [0xF1, 0x80], timeout: .seconds(1))
/// #expect(try transport.bulkIn(endpoint: 0x81, length: 6, timeout: .seconds(1)) == [0x26, 0x47])
/// ```
public protocol USBTransport: AnyObject, Sendable {
    func controlIn(_ request: USBControlRequest, length: Int, timeout: Duration) throws(USBError) -> [UInt8]
    func controlOut(_ request: USBControlRequest, data: [UInt8], timeout: Duration) throws(USBError)
    func bulkIn(endpoint: UInt8, length: Int, timeout: Duration) throws(USBError) -> [UInt8]
    func bulkOut(endpoint: UInt8, data: [UInt8], timeout: Duration) throws(USBError)
}

extension Duration {
    /// libusb's timeout: whole milliseconds, at least 1, because 0 means "wait forever" to libusb.
    var libusbMilliseconds: UInt32 {
        let (seconds, attoseconds) = components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return UInt32(clamping: max(1, milliseconds))
    }
}
