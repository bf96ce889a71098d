import Foundation

/// An ST-Link V2 or V2-1 debug probe with the board's chip behind it: the bulk command protocol as stlink-tools
/// 1.7.0 and OpenOCD 0.12's `stlink_usb` drive it (`stlink.md`), answered by a `VirtualChip` that really runs.
///
/// Framing (`stlink.md` section 2): a 16-byte command block on the command endpoint; a write command's data
/// follows as its own OUT transfer of the announced length; a reply waits on EP 0x81 until the host reads it,
/// in the length the host asks for. OpenOCD submits the command and the reply (or data) URBs back to back, so
/// the command is decoded when its OUT URB is submitted and the reply is ready before the IN is looked at.
///
/// ```swift
/// let stlink = VirtualSTLink(chip: try VirtualChip(board: bluepill), serial: "303030303030303030303031")
/// _ = stlink.bulkOut(endpoint: 0x02, data: [0xF1] + [UInt8](repeating: 0, count: 15))
/// stlink.bulkIn(endpoint: 0x81, capacity: 6)    // .data([0x29, 0x47, 0x83, 0x04, 0x48, 0x37]): V2J37S7
/// ```
public final class VirtualSTLink: USBDeviceModel, ChipHostingDevice {
    public let variant: STLinkVariant
    public let chip: VirtualChip
    public let serial: String
    /// Saves the chip's flash; the registry sets it when the rig has `--state`.
    public var persist: (() throws -> Void)?
    /// The board behind the probe, and the thread that runs its core.
    let target: ProbeTarget

    var mode = STLinkMode.dfu
    /// The status of the last memory access, for GETLASTRWSTATUS(2).
    var lastAccessStatus = STLinkStatus.ok
    var lastFaultAddress: UInt32 = 0
    /// The reply of the last command, waiting for the host's IN transfer.
    private var reply: [UInt8]?
    /// A write command waiting for its data phase.
    private var pendingWrite: PendingWrite?
    /// NRST held low by DRIVE_NRST: the chip stays in reset.
    var resetHeld = false
    /// The SW-DP behind READ_DAP_REG/WRITE_DAP_REG (OpenOCD's `stlink-dap.cfg`). The probe's firmware did the
    /// line reset and the DPIDR read when it entered SWD mode.
    lazy var debugPort: SWDebugPort = {
        let port = SWDebugPort(chip: chip)
        _ = port.dpRead(0x0)
        return port
    }()

    struct PendingWrite {
        let command: UInt8
        let address: UInt32
        let length: Int
        var data: [UInt8] = []
    }

    public init(variant: STLinkVariant = .v2, chip: VirtualChip, serial: String) {
        self.variant = variant
        self.chip = chip
        self.serial = serial
        target = ProbeTarget(chip: chip)
    }

    // MARK: USB identity

    public var deviceDescriptor: [UInt8] {
        USBDescriptor.device(vendorID: STLinkVariant.vendorID, productID: variant.productID,
                             bcdDevice: variant.bcdDevice)
    }

    /// One vendor interface with the three 64-byte bulk endpoints (`peer-usb-traces.md`, lsusb of 0483:3748).
    public var configurationDescriptor: [UInt8] {
        let endpoints = [variant.replyEndpoint, variant.commandEndpoint, variant.traceEndpoint].map { address in
            USBDescriptor.endpoint(address: address, attributes: 0x02, maxPacketSize: 64)
        }
        return USBDescriptor.configuration(
            interfaces: 1,
            body: USBDescriptor.interface(number: 0, alternate: 0, endpoints: 3, interfaceClass: 0xFF, subclass: 0xFF,
                                          protocol: 0xFF, string: 4) + endpoints.joined(),
            attributes: 0x80, maxPowerMilliamps: 300)
    }

    /// stlink-tools skips a probe whose serial string is not 24 characters (`stlink.md` section 1); the registry
    /// gives 24 upper-case hex digits by default.
    public var strings: [UInt8: String] {
        [1: "STMicroelectronics", 2: variant.product, 3: serial, 4: "ST-Link Debug"]
    }

    public func control(_ setup: SetupPacket, data: [UInt8]) -> ControlReply { .stall }

    // MARK: Bulk framing

    public func bulkOut(endpoint: UInt8, data: [UInt8]) -> Bool {
        guard endpoint == variant.commandEndpoint else { return false }
        if var write = pendingWrite {
            write.data += data
            if write.data.count >= write.length {
                pendingWrite = nil
                finishWrite(write.command, address: write.address, data: Array(write.data.prefix(write.length)))
            } else {
                pendingWrite = write
            }
            return true
        }
        reply = nil
        let block = data + [UInt8](repeating: 0, count: max(0, 16 - data.count))
        switch execute(block) {
        case .reply(let bytes):
            reply = bytes
        case .none:
            break
        case .dataPhase(let command, let address, let length):
            if length > 0 { pendingWrite = PendingWrite(command: command, address: address, length: length) }
        }
        return true
    }

    /// The reply in exactly the length the host asked for: cut, or padded with zeros (READMEM_8BIT answers two
    /// bytes for a one-byte read; hosts size every IN themselves, `stlink.md` section 2). What a short IN leaves
    /// stays for the next one.
    public func bulkIn(endpoint: UInt8, capacity: Int) -> BulkInReply {
        guard endpoint == variant.replyEndpoint else {
            // The SWO trace endpoint never has data: trace capture is not modelled.
            return endpoint == variant.traceEndpoint ? .pending : .stall
        }
        guard let bytes = reply else { return .pending }
        if bytes.count > capacity {
            reply = Array(bytes.dropFirst(capacity))
            return .data(Array(bytes.prefix(capacity)))
        }
        reply = nil
        return .data(bytes + [UInt8](repeating: 0, count: capacity - bytes.count))
    }

    /// A USB reset (OpenOCD sends one when GET_VERSION fails) drops a half-done exchange, not the target state.
    public func busReset() {
        reply = nil
        pendingWrite = nil
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
