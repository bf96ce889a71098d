import BoardCatalog

/// A USBasp (T. Fischl's V-USB AVR programmer) with an AVR on its ISP cable.
///
/// Control transfers only, all vendor requests to the device (picoboot-usbasp.md B1–B2): the four send bytes of
/// a request travel in wValue (bytes 0, 1) and wIndex (bytes 2, 3). Block reads and writes follow the firmware's
/// `main.c`: the address comes from wValue until SETLONGADDRESS switches to "new mode"; WRITEFLASH loads bytes
/// into the chip's page buffer and writes the page each time `pagesize` bytes have been counted since a FIRST
/// block, or at the end of a LAST block.
///
/// Time: the device is low-speed (1.5 Mbit/s, 8-byte packets), so each transfer costs eight times the
/// full-speed bus time the server charges; a page write holds the reply (the firmware waits for it), a chip
/// erase started by TRANSMIT delays the next request instead (avrdude sleeps chip_erase_delay itself).
public final class VirtualUSBasp: USBDeviceModel {
    public static let vendorID: UInt16 = 0x16C0
    public static let productID: UInt16 = 0x05DC
    /// avrdude compares both strings exactly (B1).
    public static let manufacturer = "www.fischl.de"
    public static let product = "USBasp"

    public let chip: AVRISPChip
    public let clock: VirtualClock
    public let serial: String
    public var persist: (() throws -> Void)?
    /// RESET held low by CONNECT, released by DISCONNECT.
    public private(set) var connected = false
    private var address: UInt32 = 0
    private var longAddressMode = false
    private var pageSize = 0
    private var pageCounter = 0
    private var blockFlags: UInt8 = 0
    private var busyUntil: UInt64 = 0
    private var replyDelay: UInt64 = 0

    static let blockFlagFirst: UInt8 = 1
    static let blockFlagLast: UInt8 = 2

    public init(chip: AVRISPChip, serial: String, clock: VirtualClock) {
        self.chip = chip
        self.serial = serial
        self.clock = clock
    }

    public var deviceDescriptor: [UInt8] {
        USBDescriptor.device(bcdUSB: 0x0110, deviceClass: 0xFF, maxPacketSize0: 8, vendorID: Self.vendorID,
                             productID: Self.productID, bcdDevice: 0x0104)
    }

    public var configurationDescriptor: [UInt8] {
        USBDescriptor.configuration(
            interfaces: 1,
            body: USBDescriptor.interface(number: 0, alternate: 0, endpoints: 0, interfaceClass: 0, subclass: 0,
                                          protocol: 0, string: 0),
            attributes: 0x80, maxPowerMilliamps: 50)
    }

    public var strings: [UInt8: String] { [1: Self.manufacturer, 2: Self.product, 3: serial] }

    public func control(_ setup: SetupPacket, data: [UInt8]) -> ControlReply {
        guard setup.kind == .vendor else { return .stall }
        let now = clock.microseconds
        // A request that arrives while the chip is still busy waits for it.
        if busyUntil > now { replyDelay += busyUntil - now }
        busyUntil = 0
        let moved = setup.isIn ? Int(setup.length) : data.count
        replyDelay += clock.controlTransferTime(length: moved, maxPacket: 8) * 7
        let send = [UInt8(setup.value & 0xFF), UInt8(setup.value >> 8), UInt8(setup.index & 0xFF),
                    UInt8(setup.index >> 8)]
        // V-USB answers an unknown request with no data rather than a STALL.
        guard let request = USBaspRequest(rawValue: setup.request) else { return setup.isIn ? .data([]) : .ack }
        switch request {
        case .connect:
            longAddressMode = false
            connected = true
            chip.reset()
            return .data([])
        case .disconnect:
            connected = false
            chip.reset()
            try? persist?()
            return .data([])
        case .transmit:
            guard connected else { return .data([0xFF, 0xFF, 0xFF, 0xFF]) }
            let (reply, milliseconds) = chip.transmit(send)
            startBusy(milliseconds, holdingReply: false)
            return .data(reply)
        case .enableProg:
            guard connected else { return .data([1]) }
            // The firmware tries Programming Enable up to 32 times and checks the 0x53 echo.
            let (reply, _) = chip.transmit([0xAC, 0x53, 0x00, 0x00])
            return .data([reply[2] == 0x53 ? 0 : 1])
        case .readFlash, .readEEPROM:
            if !longAddressMode { address = UInt32(setup.value) }
            return .data(readBlock(eeprom: request == .readEEPROM, count: Int(setup.length)))
        case .writeFlash:
            if !longAddressMode { address = UInt32(setup.value) }
            blockFlags = send[3] & 0x0F
            pageSize = Int(send[2]) | Int(send[3] & 0xF0) << 4
            if blockFlags & Self.blockFlagFirst != 0 { pageCounter = pageSize }
            writeFlashBlock(data)
            return .ack
        case .writeEEPROM:
            if !longAddressMode { address = UInt32(setup.value) }
            var milliseconds = 0.0
            for byte in data {
                milliseconds += connected ? chip.transmit([0xC0, UInt8(address >> 8 & 0x03), UInt8(address & 0xFF),
                                                           byte]).milliseconds : 0
                address &+= 1
            }
            startBusy(milliseconds, holdingReply: true)
            return .ack
        case .setLongAddress:
            address = UInt32(setup.value) | UInt32(setup.index) << 16
            longAddressMode = true
            return .data([])
        case .setISPSCK:
            return .data([0])
        case .getCapabilities:
            // No TPI, no 3 MHz SCK: all four capability bytes zero.
            return .data([0, 0, 0, 0])
        }
    }

    public func takeReplyDelay() -> UInt64 {
        defer { replyDelay = 0 }
        return replyDelay
    }

    public func busReset() {
        connected = false
        chip.reset()
    }

    public func shutdown() throws { try persist?() }

    // MARK: Blocks

    private func readBlock(eeprom: Bool, count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        let memory = eeprom ? chip.eeprom : chip.flash
        if connected && chip.programmingEnabled {
            bytes = memory.read(memory.start + UInt64(address), count: count)
        }
        bytes += [UInt8](repeating: 0xFF, count: count - bytes.count)
        address &+= UInt32(count)
        return bytes
    }

    /// The firmware's `usbFunctionWrite` for flash: Load Program Memory Page per byte, Write Program Memory Page
    /// (with the current byte's address) when the page counter runs out, and a pending page flushed by LAST.
    private func writeFlashBlock(_ data: [UInt8]) {
        guard connected else { return }
        var milliseconds = 0.0
        for (index, byte) in data.enumerated() {
            let load: UInt8 = 0x40 | UInt8(address & 1) << 3
            _ = chip.transmit([load, UInt8(address >> 9 & 0xFF), UInt8(address >> 1 & 0xFF), byte])
            if pageSize > 0 {
                pageCounter -= 1
                if pageCounter == 0 {
                    milliseconds += flushPage()
                    pageCounter = pageSize
                }
            }
            if index == data.count - 1, blockFlags & Self.blockFlagLast != 0, pageCounter != pageSize {
                milliseconds += flushPage()
            }
            address &+= 1
        }
        startBusy(milliseconds, holdingReply: true)
    }

    private func flushPage() -> Double {
        chip.transmit([0x4C, UInt8(address >> 9 & 0xFF), UInt8(address >> 1 & 0xFF), 0]).milliseconds
    }

    /// The chip works for `milliseconds` (scaled); the firmware waits for page and EEPROM writes before it
    /// answers, so those hold the reply, while a raw TRANSMIT returns at once and the next request waits.
    private func startBusy(_ milliseconds: Double, holdingReply: Bool) {
        guard milliseconds > 0 else { return }
        if holdingReply {
            replyDelay += clock.scaled(milliseconds: milliseconds)
        } else {
            busyUntil = clock.microseconds + replyDelay + clock.scaled(milliseconds: milliseconds)
        }
    }
}
