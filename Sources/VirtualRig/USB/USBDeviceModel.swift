/// A USB device as the host sees it below libusb: descriptors, strings, and the answers to requests.
///
/// `USBDeviceServer` answers the standard requests (GET_DESCRIPTOR, SET_CONFIGURATION, GET_STATUS, …) from
/// `deviceDescriptor`, `configurationDescriptor` and `strings`, and hands everything else to the model. Calls
/// come one at a time; a model needs no locking of its own.
///
/// ```swift
/// let model = try DfuSeBootloader(chip: board.chip, serial: "315A28A0B956", clock: VirtualClock(timeScale: 0))
/// let status = model.control(.classIn(DFURequest.getStatus.rawValue, length: 6), data: [])
/// // status == .data([0x00, 0, 0, 0, DFUState.dfuIDLE.rawValue, 0])
/// ```
public protocol USBDeviceModel: AnyObject {
    /// The 18-byte device descriptor.
    var deviceDescriptor: [UInt8] { get }
    /// The full configuration descriptor (configuration, interfaces, class and endpoint descriptors).
    var configurationDescriptor: [UInt8] { get }
    /// String descriptors by index; index 0 (the language list) is added by the server.
    var strings: [UInt8: String] { get }
    /// Class and vendor requests, and standard requests the server does not answer itself.
    func control(_ setup: SetupPacket, data: [UInt8]) -> ControlReply
    /// Extra time the last control reply takes beyond bus time, in microseconds (a device still busy).
    func takeReplyDelay() -> UInt64
    func bulkOut(endpoint: UInt8, data: [UInt8]) -> Bool
    func bulkIn(endpoint: UInt8, capacity: Int) -> BulkInReply
    /// SET_INTERFACE; false for an alternate setting the device does not have.
    func selectAlternate(interface: Int, alternate: Int) -> Bool
    /// A USB bus reset.
    func busReset()
    /// Called once when the host process has exited, to persist state.
    func shutdown() throws
}

extension USBDeviceModel {
    public func takeReplyDelay() -> UInt64 { 0 }
    public func bulkOut(endpoint: UInt8, data: [UInt8]) -> Bool { false }
    public func bulkIn(endpoint: UInt8, capacity: Int) -> BulkInReply { .stall }
    public func selectAlternate(interface: Int, alternate: Int) -> Bool { interface == 0 && alternate == 0 }
    public func busReset() {}
    public func shutdown() throws {}
}
