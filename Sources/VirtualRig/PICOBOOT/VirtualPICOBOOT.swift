import BoardCatalog

/// An RP2040 in BOOTSEL mode: the boot ROM's PICOBOOT vendor interface (picoboot-usbasp.md A1–A4, from the
/// ROM's `usb_boot_device.c` and `async_task.c`) in front of the board's external QSPI flash, the SRAM and a
/// small ROM image. The mass-storage interface is described (so the device looks like the real one) but not
/// served: UF2 files reach this model through a PICOBOOT host.
///
/// A transaction is a 32-byte command on EP 0x03, an optional data phase (IN on EP 0x84 for READ, OUT on 0x03
/// for WRITE), and a handshake the other way: a zero-length IN packet when an OUT command has finished (its
/// flash time is charged to that packet), or one OUT packet from the host after an IN command. Any error
/// stalls both endpoints until PICOBOOT_IF_RESET; PICOBOOT_IF_CMD_STATUS tells the host why.
public final class VirtualPICOBOOT: USBDeviceModel {
    public static let vendorID: UInt16 = 0x2E8A
    public static let productID: UInt16 = 0x0003
    static let endpointOut: UInt8 = 0x03
    static let endpointIn: UInt8 = 0x84
    /// A2: interface control requests.
    static let interfaceReset: UInt8 = 0x41
    static let commandStatus: UInt8 = 0x42
    /// A3 address rules: SRAM, and the whole XIP window for flash; flash pages are 256 bytes, sectors 4 KiB.
    static let ram: Range<UInt64> = 0x2000_0000..<0x2004_2000
    static let xipWindow: Range<UInt64> = 0x1000_0000..<0x2000_0000
    static let romSize: UInt64 = 0x4000
    static let pageSize: UInt64 = 256
    static let sectorSize: UInt64 = 4096

    public let flash: VirtualFlash
    public let clock: VirtualClock
    public let serial: String
    public var persist: (() throws -> Void)?
    public private(set) var exclusive: UInt8 = 0
    public private(set) var xipEnabled = true
    public private(set) var rebooted = false
    private var ramBytes = [UInt8](repeating: 0, count: 0x42000)
    private let rom: [UInt8]

    private enum Phase {
        case idle
        case receiving(PICOBOOTCommandBlock, [UInt8])
        case sending([UInt8])
        case awaitingHandshake
        case finishing
    }

    private var phase = Phase.idle
    private var halted = false
    private var token: UInt32 = 0
    private var lastCommand: UInt8 = 0
    private var status = PICOBOOTStatus.ok
    private var replyDelay: UInt64 = 0

    public init(chip: Chip, serial: String, clock: VirtualClock) throws {
        guard let region = chip.flash, chip.bootloaders.contains("picoboot"),
            Self.xipWindow.contains(region.start)
        else {
            throw VirtualRigError.unsupportedBoard(
                kind: "picoboot", board: chip.id,
                reason: "chip '\(chip.id)' has no RP2040 boot ROM (its chip file lists bootloaders: "
                    + "\(chip.bootloaders.isEmpty ? "none" : chip.bootloaders.joined(separator: ", ")))")
        }
        flash = VirtualFlash(region: region)
        self.serial = serial
        self.clock = clock
        rom = Self.romImage()
    }

    /// A4: picotool checks 'M', 'u', 1 at 0x10, the version at 0x13 and a function table at the pointer in 0x14,
    /// entries {u16 tag, u16 address} ended by tag 0. Two plausible entries stand for the real table.
    static func romImage() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Int(romSize))
        bytes[0x10] = 0x4D
        bytes[0x11] = 0x75
        bytes[0x12] = 0x01
        bytes[0x13] = 0x03
        bytes[0x14] = 0x80
        let table: [UInt8] = [0x50, 0x33, 0x00, 0x20, 0x52, 0x45, 0x40, 0x20, 0, 0, 0, 0]
        bytes.replaceSubrange(0x80..<(0x80 + table.count), with: table)
        return bytes
    }

    public var deviceDescriptor: [UInt8] {
        USBDescriptor.device(vendorID: Self.vendorID, productID: Self.productID, bcdDevice: 0x0100)
    }

    public var configurationDescriptor: [UInt8] {
        let storage = USBDescriptor.interface(number: 0, alternate: 0, endpoints: 2, interfaceClass: 0x08,
                                              subclass: 0x06, protocol: 0x50, string: 0)
            + USBDescriptor.endpoint(address: 0x81, attributes: 0x02, maxPacketSize: 64)
            + USBDescriptor.endpoint(address: 0x02, attributes: 0x02, maxPacketSize: 64)
        let picoboot = USBDescriptor.interface(number: 1, alternate: 0, endpoints: 2, interfaceClass: 0xFF,
                                               subclass: 0, protocol: 0, string: 0)
            + USBDescriptor.endpoint(address: Self.endpointOut, attributes: 0x02, maxPacketSize: 64)
            + USBDescriptor.endpoint(address: Self.endpointIn, attributes: 0x02, maxPacketSize: 64)
        return USBDescriptor.configuration(interfaces: 2, body: storage + picoboot, attributes: 0x80,
                                           maxPowerMilliamps: 500)
    }

    public var strings: [UInt8: String] { [1: "Raspberry Pi", 2: "RP2 Boot", 3: serial] }

    public func control(_ setup: SetupPacket, data: [UInt8]) -> ControlReply {
        guard setup.kind == .vendor, setup.recipient == .interface, setup.index == 1 else { return .stall }
        switch setup.request {
        case Self.interfaceReset where !setup.isIn:
            // A2: un-stall both endpoints, abort the transaction, clear the status, drop exclusive access.
            phase = .idle
            halted = false
            status = .ok
            exclusive = 0
            return .ack
        case Self.commandStatus where setup.isIn:
            var record = le32(token) + le32(status.rawValue) + [lastCommand, 0]
            record += [UInt8](repeating: 0, count: 6)
            return .data(record)
        default:
            return .stall
        }
    }

    public func takeReplyDelay() -> UInt64 {
        defer { replyDelay = 0 }
        return replyDelay
    }

    public func bulkOut(endpoint: UInt8, data: [UInt8]) -> Bool {
        guard endpoint == Self.endpointOut, !halted else { return false }
        switch phase {
        case .idle:
            start(data)
            return true
        case .receiving(let command, var collected):
            collected += data
            if collected.count >= Int(command.transferLength) {
                finishWrite(command, Array(collected.prefix(Int(command.transferLength))))
            } else {
                phase = .receiving(command, collected)
            }
            return true
        case .awaitingHandshake:
            phase = .idle
            return true
        case .sending, .finishing:
            fail(.unknownError)
            return false
        }
    }

    public func bulkIn(endpoint: UInt8, capacity: Int) -> BulkInReply {
        guard endpoint == Self.endpointIn else { return .stall }
        if halted { return .stall }
        switch phase {
        case .sending(let bytes):
            let part = Array(bytes.prefix(capacity))
            phase = bytes.count > part.count ? .sending(Array(bytes.dropFirst(part.count))) : .awaitingHandshake
            return .data(part)
        case .finishing:
            phase = .idle
            return .data([])
        default:
            return .pending
        }
    }

    public func busReset() {
        phase = .idle
        halted = false
    }

    public func shutdown() throws { try persist?() }

    // MARK: Commands

    private func start(_ bytes: [UInt8]) {
        guard let command = PICOBOOTCommandBlock(bytes) else { return fail(.unknownCommand) }
        token = command.token
        lastCommand = command.commandID
        status = .ok
        guard !rebooted else { return fail(.rebooting) }
        guard let id = PICOBOOTCommandID(rawValue: command.commandID) else { return fail(.unknownCommand) }
        guard command.commandSize == id.argumentSize else { return fail(.invalidCommandLength) }
        let address = UInt64(command.argument(0))
        let size = UInt64(command.argument(1))
        let expected: UInt32 = id == .read || id == .write ? command.argument(1) : 0
        guard command.transferLength == expected else { return fail(.invalidTransferLength) }
        switch id {
        case .exclusiveAccess:
            exclusive = command.arguments[0]
        case .exitXIP:
            xipEnabled = false
        case .enterCommandXIP:
            xipEnabled = true
        case .reboot:
            // The ROM reboots after dDelayMS; the flash is what the next boot sees, so it is saved now.
            rebooted = true
            try? persist?()
        case .exec, .vectorizeFlash:
            // Running code on the emulated core is not modelled; the address must still be in SRAM.
            guard Self.ram.contains(address) else { return fail(.invalidAddress) }
        case .flashErase:
            guard address % Self.sectorSize == 0, size % Self.sectorSize == 0 else { return fail(.badAlignment) }
            guard flash.region.contains(address..<(address + size)) else { return fail(.invalidAddress) }
            var milliseconds = 0.0
            var cursor = address
            while cursor < address + size, let erased = try? flash.eraseSector(containing: cursor) {
                milliseconds += erased.milliseconds
                cursor = erased.sector.end
            }
            replyDelay += clock.scaled(milliseconds: milliseconds)
        case .read:
            guard let bytes = read(address, count: Int(size)) else { return }
            phase = .sending(bytes)
            return
        case .write:
            if let failure = checkWrite(address, size: size) { return fail(failure) }
            phase = size == 0 ? .finishing : .receiving(command, [])
            return
        }
        phase = .finishing
    }

    private func read(_ address: UInt64, count: Int) -> [UInt8]? {
        let end = address + UInt64(count)
        if end <= Self.romSize { return Array(rom[Int(address)..<Int(end)]) }
        if Self.ram.contains(address), end <= Self.ram.upperBound {
            let offset = Int(address - Self.ram.lowerBound)
            return Array(ramBytes[offset..<(offset + count)])
        }
        if Self.xipWindow.contains(address) {
            guard address % Self.pageSize == 0 else {
                fail(.badAlignment)
                return nil
            }
            guard flash.region.contains(address..<end) else {
                fail(.invalidAddress)
                return nil
            }
            return flash.read(address, count: count)
        }
        fail(.invalidAddress)
        return nil
    }

    private func checkWrite(_ address: UInt64, size: UInt64) -> PICOBOOTStatus? {
        if Self.ram.contains(address) { return address + size <= Self.ram.upperBound ? nil : .invalidAddress }
        guard Self.xipWindow.contains(address) else { return .invalidAddress }
        guard address % Self.pageSize == 0 else { return .badAlignment }
        return flash.region.contains(address..<(address + size)) ? nil : .invalidAddress
    }

    /// The data phase is complete: program flash page by page (bits only clear, as on the W25Q16) or copy to RAM.
    private func finishWrite(_ command: PICOBOOTCommandBlock, _ data: [UInt8]) {
        let address = UInt64(command.argument(0))
        if Self.ram.contains(address) {
            let offset = Int(address - Self.ram.lowerBound)
            ramBytes.replaceSubrange(offset..<(offset + data.count), with: data)
        } else {
            guard let milliseconds = try? flash.program(address, data) else { return fail(.unknownError) }
            replyDelay += clock.scaled(milliseconds: milliseconds)
        }
        phase = .finishing
    }

    /// A4: any error stalls both bulk endpoints; the status says which.
    private func fail(_ failure: PICOBOOTStatus) {
        status = failure
        halted = true
        phase = .idle
    }

    private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
