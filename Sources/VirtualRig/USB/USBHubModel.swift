/// A plain full-speed hub between the root and devices on deeper ports (`1-3.2`). Nothing talks to it; it is
/// there so the host's device tree, and libusb's port chains, look like a real one.
final class USBHubModel: USBDeviceModel {
    let deviceDescriptor = USBDescriptor.device(deviceClass: 0x09, vendorID: 0x05E3, productID: 0x0608,
                                                bcdDevice: 0x6060, manufacturer: 0, product: 1, serial: 0)

    let configurationDescriptor = USBDescriptor.configuration(
        interfaces: 1,
        body: USBDescriptor.interface(number: 0, alternate: 0, endpoints: 1, interfaceClass: 0x09, subclass: 0,
                                      protocol: 0, string: 0)
            + USBDescriptor.endpoint(address: 0x81, attributes: 0x03, maxPacketSize: 1, interval: 255),
        attributes: 0xE0)

    let strings: [UInt8: String] = [1: "USB2.0 Hub"]

    func control(_ setup: SetupPacket, data: [UInt8]) -> ControlReply { .stall }

    /// The status-change endpoint never has news.
    func bulkIn(endpoint: UInt8, capacity: Int) -> BulkInReply { .pending }
}
