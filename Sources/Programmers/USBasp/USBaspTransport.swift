import USB

/// The control pipe to a USBasp: vendor requests to the device carrying four "send" bytes (B1).
///
/// `USBUSBaspTransport` implements it over libusb; unit tests script it.
public protocol USBaspTransport: AnyObject {
    /// A device-to-host request (bmRequestType 0xC0) answered with at most `length` bytes.
    func controlIn(_ request: USBaspRequest, send: [UInt8], length: Int) throws -> [UInt8]
    /// A host-to-device request (bmRequestType 0x40) with a data stage (WRITEFLASH, WRITEEEPROM).
    func controlOut(_ request: USBaspRequest, send: [UInt8], data: [UInt8]) throws
}
