import CUMockdevShim
import Foundation

/// Serves one `USBDeviceModel` on the bus: answers the standard requests from its descriptors, forwards the
/// rest, and charges bus time from the `VirtualClock`. The C shim calls it from umockdev's worker thread.
public final class USBDeviceServer {
    public let model: USBDeviceModel
    let clock: VirtualClock
    /// Generic faults (unplug, stall, hang), applied before the model sees a request.
    public let faults: USBFaultInjector
    private let lock = NSLock()
    private var configuration: UInt8 = 1

    public init(model: USBDeviceModel, clock: VirtualClock, faults: [FaultSpec] = []) {
        self.model = model
        self.clock = clock
        self.faults = USBFaultInjector(faults.filter(\.isGeneric))
    }

    /// The `descriptors` file of the sysfs record: device descriptor, then the configuration.
    public var sysfsDescriptors: [UInt8] { model.deviceDescriptor + model.configurationDescriptor }

    /// One control transfer; `data` is the OUT payload (empty for IN requests). Returns the reply and the time
    /// it takes in microseconds. An injected unplug or hang reads as a STALL here; `controlTransfer` tells them
    /// apart.
    public func control(_ setup: SetupPacket, data: [UInt8]) -> (reply: ControlReply, microseconds: UInt64) {
        let result = controlTransfer(setup, data: data)
        return (result.reply, result.microseconds)
    }

    /// A control transfer as the bus sees it: the fault verdict, then the reply when the verdict is `.pass`.
    public func controlTransfer(_ setup: SetupPacket, data: [UInt8])
        -> (verdict: USBFaultInjector.Verdict, reply: ControlReply, microseconds: UInt64)
    {
        lock.lock()
        defer { lock.unlock() }
        let counted = setup.kind != .standard
        let verdict = faults.admit(counted: counted)
        guard verdict == .pass else { return (verdict, .stall, clock.controlTransferTime(length: 0)) }
        var reply = setup.kind == .standard ? standard(setup, data: data) : nil
        if reply == nil { reply = model.control(setup, data: data) }
        var result = reply ?? .stall
        if case .data(let bytes) = result, bytes.count > Int(setup.length) {
            // A host asking for fewer bytes gets the prefix; bLength inside keeps its full value, as on hardware.
            result = .data(Array(bytes.prefix(Int(setup.length))))
        }
        let moved: Int
        switch result {
        case .data(let bytes): moved = bytes.count
        case .ack: moved = data.count
        case .stall: moved = 0
        }
        if counted { faults.record(moved) }
        return (.pass, result, clock.controlTransferTime(length: moved) + model.takeReplyDelay())
    }

    /// GET_DESCRIPTOR, GET/SET_CONFIGURATION, GET_STATUS, SET_INTERFACE and features (USB 2.0 section 9.4);
    /// nil for anything the model should see.
    private func standard(_ setup: SetupPacket, data: [UInt8]) -> ControlReply? {
        switch (setup.request, setup.isIn) {
        case (0x06, true):
            return descriptor(type: UInt8(setup.value >> 8), index: UInt8(setup.value & 0xFF))
        case (0x00, true):
            return .data([0, 0])
        case (0x08, true):
            return .data([configuration])
        case (0x09, false):
            configuration = UInt8(setup.value & 0xFF)
            return .ack
        case (0x0A, true):
            return .data([0])
        case (0x0B, false):
            return model.selectAlternate(interface: Int(setup.index), alternate: Int(setup.value)) ? .ack : .stall
        case (0x01, false), (0x03, false):
            return .ack
        default:
            return nil
        }
    }

    private func descriptor(type: UInt8, index: UInt8) -> ControlReply {
        switch type {
        case 0x01:
            return .data(model.deviceDescriptor)
        case 0x02 where index == 0:
            return .data(model.configurationDescriptor)
        case 0x03 where index == 0:
            return .data(USBDescriptor.languages)
        case 0x03:
            guard let text = model.strings[index] else { return .stall }
            return .data(USBDescriptor.string(text))
        default:
            return .stall
        }
    }

    func bulkOut(endpoint: UInt8, data: [UInt8])
        -> (verdict: USBFaultInjector.Verdict, accepted: Bool, microseconds: UInt64)
    {
        lock.lock()
        defer { lock.unlock() }
        let verdict = faults.admit(counted: true)
        guard verdict == .pass else { return (verdict, false, 0) }
        let accepted = model.bulkOut(endpoint: endpoint, data: data)
        if accepted { faults.record(data.count) }
        return (.pass, accepted, clock.bulkTransferTime(length: data.count))
    }

    func bulkIn(endpoint: UInt8, capacity: Int)
        -> (verdict: USBFaultInjector.Verdict, reply: BulkInReply, microseconds: UInt64)
    {
        lock.lock()
        defer { lock.unlock() }
        let verdict = faults.admit(counted: true)
        guard verdict == .pass else { return (verdict, .stall, 0) }
        let reply = model.bulkIn(endpoint: endpoint, capacity: capacity)
        if case .data(let bytes) = reply {
            faults.record(bytes.count)
            // A device still busy (a PICOBOOT flash erase) holds its answer back.
            return (.pass, reply, clock.bulkTransferTime(length: bytes.count) + model.takeReplyDelay())
        }
        return (.pass, reply, 0)
    }

    func selectAlternate(interface: Int, alternate: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return model.selectAlternate(interface: interface, alternate: alternate)
    }

    func busReset() {
        lock.lock()
        defer { lock.unlock() }
        model.busReset()
    }
}
