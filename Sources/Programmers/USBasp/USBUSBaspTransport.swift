import USB

/// USBasp requests over a real (or virtual) USB device.
public final class USBUSBaspTransport: USBaspTransport {
    let usb: USBTransport
    /// avrdude's timeout for every USBasp request (B1: 5000 ms); a page write answers within milliseconds.
    let timeout: Duration

    public init(usb: USBTransport, timeout: Duration = .seconds(5)) {
        self.usb = usb
        self.timeout = timeout
    }

    public func controlIn(_ request: USBaspRequest, send: [UInt8], length: Int) throws -> [UInt8] {
        try usb.controlIn(Self.setup(request, send), length: length, timeout: timeout)
    }

    public func controlOut(_ request: USBaspRequest, send: [UInt8], data: [UInt8]) throws {
        try usb.controlOut(Self.setup(request, send), data: data, timeout: timeout)
    }

    static func setup(_ request: USBaspRequest, _ send: [UInt8]) -> USBControlRequest {
        let bytes = send + [UInt8](repeating: 0, count: max(0, 4 - send.count))
        return USBControlRequest(
            kind: .vendor, recipient: .device, request: request.rawValue,
            value: UInt16(bytes[1]) << 8 | UInt16(bytes[0]), index: UInt16(bytes[3]) << 8 | UInt16(bytes[2]),
            name: "USBASP_\(request)".uppercased())
    }
}
