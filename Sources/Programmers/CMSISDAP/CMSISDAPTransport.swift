import USB

/// The bulk pipe pair a CMSIS-DAP v2 probe is driven through: one command per OUT transfer, one response per
/// command on the IN endpoint, in order. Several commands may be sent before their responses are read, up to the
/// probe's packet count.
///
/// `USBCMSISDAPTransport` implements it over libusb; unit tests script it.
public protocol CMSISDAPTransport: AnyObject {
    /// Sends one command packet, exactly as long as the command.
    func send(_ packet: [UInt8]) throws(CMSISDAPError)
    /// Reads the next response; `length` is the probe's packet size, the longest a response can be.
    func receive(length: Int) throws(CMSISDAPError) -> [UInt8]
}

/// A CMSIS-DAP v2 interface on a USB handle: EP[0] bulk OUT for commands, EP[1] bulk IN for responses
/// (cmsis-dap.md section 1).
public final class USBCMSISDAPTransport: CMSISDAPTransport {
    let usb: USBTransport
    let outEndpoint: UInt8
    let inEndpoint: UInt8
    let timeout: Duration

    public init(usb: USBTransport, outEndpoint: UInt8, inEndpoint: UInt8, timeout: Duration = .seconds(3)) {
        self.usb = usb
        self.outEndpoint = outEndpoint
        self.inEndpoint = inEndpoint
        self.timeout = timeout
    }

    public func send(_ packet: [UInt8]) throws(CMSISDAPError) {
        do {
            try usb.bulkOut(endpoint: outEndpoint, data: packet, timeout: timeout)
        } catch {
            throw .usb(error)
        }
    }

    public func receive(length: Int) throws(CMSISDAPError) -> [UInt8] {
        do {
            return try usb.bulkIn(endpoint: inEndpoint, length: length, timeout: timeout)
        } catch {
            throw .usb(error)
        }
    }
}
