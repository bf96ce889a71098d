import USB

/// The PICOBOOT interface's pipes (A1–A2): the bulk OUT and IN endpoints, and the two interface requests.
///
/// `USBPICOBOOTTransport` implements it over libusb; unit tests script it.
public protocol PICOBOOTTransport: AnyObject {
    func send(_ bytes: [UInt8]) throws
    /// At most `length` bytes; zero for the completion packet of an OUT command.
    func receive(length: Int) throws -> [UInt8]
    /// PICOBOOT_IF_RESET (returns nothing) or PICOBOOT_IF_CMD_STATUS (returns the 16-byte record).
    func interfaceRequest(_ request: PICOBOOTInterfaceRequest) throws -> [UInt8]
}

public enum PICOBOOTInterfaceRequest: UInt8, Sendable {
    case reset = 0x41
    case commandStatus = 0x42
}
