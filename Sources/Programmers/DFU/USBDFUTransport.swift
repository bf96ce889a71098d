import USB

/// DFU class requests over a real (or virtual) USB device: the interface number goes in wIndex.
public final class USBDFUTransport: DFUTransport {
    let usb: USBTransport
    let interface: UInt8
    /// dfu-util waits 5 s for every control request; an erase answers within that because the device reports
    /// busy through GETSTATUS instead of holding the request.
    let timeout: Duration

    public init(usb: USBTransport, interface: UInt8, timeout: Duration = .seconds(5)) {
        self.usb = usb
        self.interface = interface
        self.timeout = timeout
    }

    public func controlOut(request: DFURequest, value: UInt16, data: [UInt8]) throws {
        try usb.controlOut(self.request(request, value: value), data: data, timeout: timeout)
    }

    public func controlIn(request: DFURequest, value: UInt16, length: Int) throws -> [UInt8] {
        try usb.controlIn(self.request(request, value: value), length: length, timeout: timeout)
    }

    private func request(_ request: DFURequest, value: UInt16) -> USBControlRequest {
        USBControlRequest(kind: .class, recipient: .interface, request: request.rawValue, value: value,
                          index: UInt16(interface), name: "DFU_\(request)".uppercased())
    }
}
