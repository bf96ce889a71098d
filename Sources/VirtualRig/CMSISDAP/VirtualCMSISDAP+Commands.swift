/// The command decoder: one packet in, one response out (`cmsis-dap.md` section 3). A response starts with the
/// command's ID; a command the probe does not implement (JTAG, SWO, UART, atomic, vendor) gets the single byte
/// 0xFF, as ARM's firmware answers it.
extension VirtualCMSISDAP {
    /// Capabilities (DAP_Info 0xF0): SWD only.
    static let capabilities: UInt8 = 0x01
    /// The CMSIS-DAP protocol version the commands follow, and the probe firmware's own version.
    static let protocolVersion = "2.1.0"
    static let firmwareVersion = "0257"

    func execute(_ packet: [UInt8]) -> [UInt8] {
        guard let command = DAPCommand(rawValue: packet[0]) else { return [DAPCommand.unknown] }
        let body = packet.dropFirst()
        var reader = DAPReader(body)
        let id = command.rawValue
        switch command {
        case .info:
            return [id] + info(reader.byte() ?? 0)
        case .hostStatus:
            // The LEDs: nothing to show, and nothing that can fail.
            return [id, DAPStatus.ok]
        case .connect:
            return [id, connect(reader.byte() ?? 0).rawValue]
        case .disconnect:
            port = .none
            return [id, DAPStatus.ok]
        case .transferConfigure:
            _ = reader.byte()  // Idle cycles after each transfer: no wire to idle.
            guard let wait = reader.half(), let match = reader.half() else { return [id, DAPStatus.error] }
            engine.waitRetry = Int(wait)
            engine.matchRetry = Int(match)
            return [id, DAPStatus.ok]
        case .transfer:
            // Without DAP_Connect(SWD) the firmware runs its dummy transfer: nothing done, no ACK.
            guard port == .swd else { return [id, 0, 0] }
            return [id] + chip.debugBatch { engine.transfer(body) }
        case .transferBlock:
            guard port == .swd else { return [id, 0, 0, 0] }
            return [id] + chip.debugBatch { engine.transferBlock(body) }
        case .transferAbort:
            return []
        case .writeABORT:
            _ = reader.byte()
            guard port == .swd, let value = reader.word(), debugPort.dpWrite(0x0, value) == .ok else {
                return [id, DAPStatus.error]
            }
            return [id, DAPStatus.ok]
        case .delay:
            guard let microseconds = reader.half() else { return [id, DAPStatus.error] }
            delayMicroseconds += chip.clock.scaled(milliseconds: Double(microseconds) / 1_000)
            return [id, DAPStatus.ok]
        case .resetTarget:
            // The board's reset sequence: pulse nRESET. Executed = 1.
            pulseReset()
            return [id, DAPStatus.ok, 1]
        case .swjPins:
            return [id, swjPins(&reader)]
        case .swjClock:
            guard let hertz = reader.word(), hertz > 0 else { return [id, DAPStatus.error] }
            return [id, DAPStatus.ok]
        case .swjSequence:
            return [id, swjSequence(&reader)]
        case .swdConfigure:
            // Turnaround and data phase: the emulated wire has neither.
            return [id, reader.byte() == nil ? DAPStatus.error : DAPStatus.ok]
        case .swdSequence:
            return [id] + swdSequence(&reader)
        }
    }

    // MARK: DAP_Info

    /// `[length, value…]`; length 0 for an ID the probe has nothing for. Strings include their NUL.
    private func info(_ raw: UInt8) -> [UInt8] {
        func string(_ text: String?) -> [UInt8] {
            guard let text, !text.isEmpty else { return [0] }
            let bytes = Array(text.utf8.prefix(Self.packetSize - 3)) + [0]
            return [UInt8(bytes.count)] + bytes
        }
        guard let id = DAPInfo(rawValue: raw) else { return [0] }
        switch id {
        case .vendor: return string(strings[1])
        case .product: return string(strings[2])
        case .serial: return string(serial)
        case .protocolVersion: return string(Self.protocolVersion)
        case .targetVendor: return string(chip.chip.vendor)
        case .targetName: return string(chip.chip.id)
        case .boardVendor: return string(chip.board?.vendor)
        case .boardName: return string(chip.board?.name)
        case .firmwareVersion: return string(Self.firmwareVersion)
        case .capabilities: return [1, Self.capabilities]
        case .packetCount: return [1, UInt8(Self.packetCount)]
        case .packetSize: return [2] + DAPReader.le16(UInt16(Self.packetSize))
        case .timestampClock, .uartReceiveBuffer, .uartTransmitBuffer, .swoBuffer: return [0]
        }
    }

    // MARK: Connection and pins

    /// SWD for the default and SWD ports; JTAG is not implemented, so its connect fails (port 0 in the reply).
    private func connect(_ requested: UInt8) -> DAPPort {
        switch DAPPort(rawValue: requested) {
        case .none?, .swd?:
            port = .swd
        default:
            port = .none
        }
        return port
    }

    /// DAP_SWJ_Pins: drives the selected outputs, waits as asked, and reads the pins back. Only nRESET (bit 7)
    /// reaches the target: held low it keeps the chip in reset; the rising edge lets it run (or halt, when
    /// DEMCR.VC_CORERESET is set).
    private func swjPins(_ reader: inout DAPReader) -> UInt8 {
        // The trailing u32 is how long to wait for the selected inputs to follow; here they follow at once.
        guard let output = reader.byte(), let select = reader.byte(), reader.word() != nil else { return pins }
        let before = pins
        pins = pins & ~select | output & select
        let nReset: UInt8 = 0x80
        if before & nReset != 0, pins & nReset == 0 {
            chip.reset(halt: true)
        } else if before & nReset == 0, pins & nReset != 0 {
            chip.reset()
        }
        return pins
    }

    private func pulseReset() {
        guard pins & 0x80 != 0 else { return }
        chip.reset()
    }

    /// DAP_SWJ_Sequence: bits on SWDIO, LSB first. Fifty or more ones in a row are a line reset; the SW-DP then
    /// waits for a DPIDR read. The JTAG-to-SWD select code between two resets needs nothing more: the DP only
    /// speaks SWD.
    private func swjSequence(_ reader: inout DAPReader) -> UInt8 {
        guard let count = reader.byte() else { return DAPStatus.error }
        let bits = count == 0 ? 256 : Int(count)
        let data = Array(reader.rest)
        guard data.count * 8 >= bits else { return DAPStatus.error }
        if Self.longestRunOfOnes(data, bits: bits) >= 50 { debugPort.lineReset() }
        return DAPStatus.ok
    }

    /// DAP_SWD_Sequence: output sequences may hold a line reset; input sequences read SWDIO, which idles high.
    private func swdSequence(_ reader: inout DAPReader) -> [UInt8] {
        guard let sequences = reader.byte() else { return [DAPStatus.error] }
        var captured: [UInt8] = []
        for _ in 0..<sequences {
            guard let info = reader.byte() else { return [DAPStatus.error] }
            let cycles = info & 0x3F == 0 ? 64 : Int(info & 0x3F)
            let bytes = (cycles + 7) / 8
            if info & 0x80 != 0 {
                captured += [UInt8](repeating: 0xFF, count: bytes)
            } else {
                var data: [UInt8] = []
                for _ in 0..<bytes {
                    guard let byte = reader.byte() else { return [DAPStatus.error] }
                    data.append(byte)
                }
                if Self.longestRunOfOnes(data, bits: cycles) >= 50 { debugPort.lineReset() }
            }
        }
        return [DAPStatus.ok] + captured
    }

    static func longestRunOfOnes(_ data: [UInt8], bits: Int) -> Int {
        var longest = 0
        var run = 0
        for index in 0..<bits {
            if data[index / 8] >> (index % 8) & 1 == 1 {
                run += 1
                longest = max(longest, run)
            } else {
                run = 0
            }
        }
        return longest
    }
}
