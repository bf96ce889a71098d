import USB

/// PICOBOOT over a real (or virtual) USB device: bulk endpoints of the claimed interface, and the interface
/// requests with the interface number in wIndex.
public final class USBPICOBOOTTransport: PICOBOOTTransport {
    let usb: USBTransport
    let interface: UInt8
    let endpointOut: UInt8
    let endpointIn: UInt8
    /// picotool's timeouts (A4): 3 s for a command, 10 s for a data phase; a 4 KiB erase answers well within.
    let timeout: Duration

    public init(usb: USBTransport, interface: UInt8, endpointOut: UInt8, endpointIn: UInt8,
                timeout: Duration = .seconds(10)) {
        self.usb = usb
        self.interface = interface
        self.endpointOut = endpointOut
        self.endpointIn = endpointIn
        self.timeout = timeout
    }

    public func send(_ bytes: [UInt8]) throws {
        try usb.bulkOut(endpoint: endpointOut, data: bytes, timeout: timeout)
    }

    public func receive(length: Int) throws -> [UInt8] {
        try usb.bulkIn(endpoint: endpointIn, length: max(length, 64), timeout: timeout)
    }

    public func interfaceRequest(_ request: PICOBOOTInterfaceRequest) throws -> [UInt8] {
        let setup = USBControlRequest(kind: .vendor, recipient: .interface, request: request.rawValue,
                                      index: UInt16(interface), name: "PICOBOOT_IF_\(request)".uppercased())
        switch request {
        case .reset:
            try usb.controlOut(setup, data: [], timeout: .seconds(3))
            return []
        case .commandStatus:
            return try usb.controlIn(setup, length: 16, timeout: .seconds(3))
        }
    }
}
