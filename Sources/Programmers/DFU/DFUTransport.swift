/// The control pipe a DFU device is reached through: class requests to one interface.
///
/// `USB` implements it over libusb; unit tests script it to reach the protocol's edge cases.
public protocol DFUTransport: AnyObject {
    /// A class request to the interface, host to device (bmRequestType 0x21).
    func controlOut(request: DFURequest, value: UInt16, data: [UInt8]) throws
    /// A class request to the interface, device to host (bmRequestType 0xA1).
    func controlIn(request: DFURequest, value: UInt16, length: Int) throws -> [UInt8]
}
