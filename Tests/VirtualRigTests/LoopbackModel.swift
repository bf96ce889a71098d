@testable import VirtualRig

/// A bulk echo device: what goes out on EP 0x01 comes back on EP 0x81; an IN with nothing queued stays pending.
final class LoopbackModel: USBDeviceModel {
    let deviceDescriptor = USBDescriptor.device(vendorID: 0x1209, productID: 0x0002, bcdDevice: 0x0100)
    let configurationDescriptor = USBDescriptor.configuration(
        interfaces: 1,
        body: USBDescriptor.interface(number: 0, alternate: 0, endpoints: 2, interfaceClass: 0xFF, subclass: 0,
                                      protocol: 0, string: 0)
            + USBDescriptor.endpoint(address: 0x01, attributes: 0x02, maxPacketSize: 64)
            + USBDescriptor.endpoint(address: 0x81, attributes: 0x02, maxPacketSize: 64))
    let strings: [UInt8: String] = [1: "atelier", 2: "loopback", 3: "LOOP0001"]
    private var queue: [[UInt8]] = []

    func control(_ setup: SetupPacket, data: [UInt8]) -> ControlReply { .stall }

    func bulkOut(endpoint: UInt8, data: [UInt8]) -> Bool {
        guard endpoint == 0x01 else { return false }
        queue.append(data)
        return true
    }

    func bulkIn(endpoint: UInt8, capacity: Int) -> BulkInReply {
        guard endpoint == 0x81 else { return .stall }
        guard !queue.isEmpty else { return .pending }
        return .data(Array(queue.removeFirst().prefix(capacity)))
    }
}
