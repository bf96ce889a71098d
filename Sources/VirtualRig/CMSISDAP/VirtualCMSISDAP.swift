import Foundation

/// A CMSIS-DAP v2 debug probe (bulk endpoints, ARM's command set) with the board's chip behind its SW-DP, as
/// OpenOCD 0.12's `cmsis_dap_usb_bulk` backend and atelier's own driver drive it (`cmsis-dap.md`).
///
/// Framing (`cmsis-dap.md` section 1): one command per OUT transfer on EP 0x01, exactly one response per command
/// on EP 0x81, in order. Hosts send several commands before reading any response (up to the packet count), so
/// each command runs when its OUT arrives and its response joins a queue; an IN with nothing queued stays
/// pending, as OpenOCD's open-time flush expects.
///
/// ```swift
/// let probe = VirtualCMSISDAP(chip: try VirtualChip(board: nrf52840dk), serial: "0240000034544E45")
/// _ = probe.bulkOut(endpoint: 0x01, data: [0x00, 0xFE])     // DAP_Info(packet count)
/// probe.bulkIn(endpoint: 0x81, capacity: 64)                // .data([0x00, 0x01, 0x04])
/// ```
public final class VirtualCMSISDAP: USBDeviceModel, ChipHostingDevice {
    /// ARM's DAPLink IDs: the USB identity of the probe most boards carry (`peer-usb-traces.md`, descriptors).
    public static let vendorID: UInt16 = 0x0D28
    public static let productID: UInt16 = 0x0204
    static let commandEndpoint: UInt8 = 0x01
    static let responseEndpoint: UInt8 = 0x81
    /// One full-speed bulk packet per command: ARM's firmware sets DAP_PACKET_SIZE to 64 on full-speed USB.
    public static let packetSize = 64
    /// Commands the probe buffers: a host may have this many in flight.
    public static let packetCount = 4

    public let chip: VirtualChip
    public let serial: String
    /// Saves the chip's flash; the registry sets it when the rig has `--state`.
    public var persist: (() throws -> Void)?
    let target: ProbeTarget
    /// The SW-DP behind DAP_Transfer, and the firmware's transfer loop over it.
    let debugPort: SWDebugPort
    let engine: DAPTransferEngine
    /// The port DAP_Connect set up; none until then, and transfers do nothing.
    var port = DAPPort.none
    /// The output pins DAP_SWJ_Pins last drove (bit 7 nRESET), all high after power-on.
    var pins: UInt8 = 0xFF
    /// Responses waiting for the host's IN transfers, oldest first, with the time each command took beyond the bus
    /// (DAP_Delay) in microseconds.
    private var responses: [(bytes: [UInt8], microseconds: UInt64)] = []
    private var replyDelay: UInt64 = 0

    public init(chip: VirtualChip, serial: String) {
        self.chip = chip
        self.serial = serial
        target = ProbeTarget(chip: chip)
        debugPort = SWDebugPort(chip: chip)
        engine = DAPTransferEngine(port: debugPort)
    }

    // MARK: USB identity

    public var deviceDescriptor: [UInt8] {
        USBDescriptor.device(vendorID: Self.vendorID, productID: Self.productID, bcdDevice: 0x0100)
    }

    /// One vendor interface (class 0xFF/0/0) named "CMSIS-DAP v2", its bulk OUT endpoint first and bulk IN second:
    /// OpenOCD takes the interface by that name and that order (`cmsis-dap.md` section 1).
    public var configurationDescriptor: [UInt8] {
        let endpoints = [Self.commandEndpoint, Self.responseEndpoint].map { address in
            USBDescriptor.endpoint(address: address, attributes: 0x02, maxPacketSize: UInt16(Self.packetSize))
        }
        return USBDescriptor.configuration(
            interfaces: 1,
            body: USBDescriptor.interface(number: 0, alternate: 0, endpoints: 2, interfaceClass: 0xFF, subclass: 0,
                                          protocol: 0, string: 4) + endpoints.joined(),
            attributes: 0x80, maxPowerMilliamps: 300)
    }

    public var strings: [UInt8: String] {
        [1: "ARM", 2: "DAPLink CMSIS-DAP", 3: serial, 4: "CMSIS-DAP v2"]
    }

    public func control(_ setup: SetupPacket, data: [UInt8]) -> ControlReply { .stall }

    // MARK: Bulk framing

    public func bulkOut(endpoint: UInt8, data: [UInt8]) -> Bool {
        // A command longer than the packet size cannot be one command: the firmware's buffer holds one packet.
        // Stalling makes a host that ignores DAP_Info(packet size) fail here as it would on a probe.
        guard endpoint == Self.commandEndpoint, data.count <= Self.packetSize else { return false }
        guard let command = data.first else { return true }
        // DAP_TransferAbort has no response: it stops a transfer in progress, and every command here has finished
        // by the time the next OUT arrives.
        guard command != DAPCommand.transferAbort.rawValue else { return true }
        let response = execute(data)
        responses.append((response, delayMicroseconds))
        delayMicroseconds = 0
        return true
    }

    /// The oldest response, cut to what the host asked for; nothing queued leaves the IN pending.
    public func bulkIn(endpoint: UInt8, capacity: Int) -> BulkInReply {
        guard endpoint == Self.responseEndpoint else { return .stall }
        guard !responses.isEmpty else { return .pending }
        let (bytes, microseconds) = responses.removeFirst()
        replyDelay = microseconds
        return .data(Array(bytes.prefix(capacity)))
    }

    public func takeReplyDelay() -> UInt64 {
        defer { replyDelay = 0 }
        return replyDelay
    }

    /// Scaled time the command being executed spends beyond the bus (DAP_Delay, DAP_SWJ_Pins waits).
    var delayMicroseconds: UInt64 = 0

    /// A USB reset drops the responses nobody read; the probe's connection to the target stays.
    public func busReset() {
        responses.removeAll()
    }

    // MARK: Power

    public func powerOn() { target.powerOn() }

    public func hostDisconnected() { target.debuggerDetached() }

    public var hasStopped: Bool { target.hasStopped }

    public func shutdown() throws {
        target.powerOff()
        try persist?()
    }
}
