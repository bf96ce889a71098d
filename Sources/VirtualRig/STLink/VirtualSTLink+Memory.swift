/// Memory, debug-register and core-register access for the decoder. A bus fault (`ChipError.busFault`) becomes
/// SWD_AP_FAULT (0x11, `stlink.md` section 5): the AHB-AP got an error response. Memory commands carry no
/// status in their reply, so theirs waits for GETLASTRWSTATUS(2); the other commands return it in byte 0.
extension VirtualSTLink {
    /// READMEM_8/16/32BIT and READMEM_32BIT_NO_ADDR_INC: `length` bytes, zeros from the first fault on.
    func readBlock(_ command: UInt8, address: UInt32, length: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            switch command {
            case STLinkDebugCommand.readMem32NoIncrement:
                for _ in 0..<(length / 4) { bytes += Self.le32(try chip.read32(address)) }
            default:
                bytes = try chip.readMemory(address, count: length, accessWidth: Self.accessWidth(command))
            }
        } catch {
            recordFault(error, at: address)
            // Keep what could be read before the faulting address, as the probe returns its buffer as it stood.
            if case ChipError.busFault(let at) = error, at > address,
               command != STLinkDebugCommand.readMem32NoIncrement,
               let prefix = try? chip.readMemory(address, count: Int(at - address),
                                                 accessWidth: Self.accessWidth(command)) {
                bytes = prefix
            }
        }
        return bytes + [UInt8](repeating: 0, count: max(0, length - bytes.count))
    }

    /// The data phase of WRITEMEM_8/16/32BIT (and WRITEMEM_32BIT_NO_ADDR_INC) has arrived.
    func finishWrite(_ command: UInt8, address: UInt32, data: [UInt8]) {
        do {
            if command == STLinkDebugCommand.writeMem32NoIncrement {
                for offset in stride(from: 0, to: data.count - 3, by: 4) {
                    try chip.write32(address, Self.word(data, at: offset))
                }
            } else {
                try chip.writeMemory(address, data, accessWidth: Self.accessWidth(command))
            }
        } catch {
            recordFault(error, at: address)
        }
    }

    /// READDEBUGREG: one 32-bit access, with its status.
    func readWord(_ address: UInt32) -> (status: UInt8, value: UInt32) {
        do {
            return (STLinkStatus.ok, try chip.read32(address))
        } catch {
            return (STLinkStatus.swdAPFault, 0)
        }
    }

    /// WRITEDEBUGREG: one 32-bit access. stlink-tools writes every word this way, flash registers included.
    func writeWord(_ address: UInt32, _ value: UInt32) -> UInt8 {
        do {
            try chip.write32(address, value)
            return STLinkStatus.ok
        } catch {
            return STLinkStatus.swdAPFault
        }
    }

    /// READREG: the DCRSR selector in byte 2 (`stlink.md` section 4a). A selector DCRSR does not define reads as
    /// zero: OpenOCD asks for the whole r0..r20 range.
    func readRegister(_ selector: UInt32, withStatus: Bool) -> Outcome {
        let value = (try? chip.readCoreRegister(selector)) ?? 0
        return .reply(withStatus ? [STLinkStatus.ok, 0, 0, 0] + Self.le32(value) : Self.le32(value))
    }

    func writeRegister(_ selector: UInt32, _ value: UInt32) -> UInt8 {
        do {
            try chip.writeCoreRegister(selector, value)
        } catch ChipError.unknownRegister {
            // Writes to reserved selectors are ignored, as reads of them return zero.
        } catch {
            return STLinkStatus.fault
        }
        return STLinkStatus.ok
    }

    /// READALLREGS: r0-r15, xPSR, MSP, PSP, then CONTROL/FAULTMASK/BASEPRI/PRIMASK and FPSCR (stlink-tools'
    /// layout); API v2 puts a 4-byte status first (88 bytes), v1 has none (84).
    func readAllRegisters(withStatus: Bool) -> [UInt8] {
        let selectors: [UInt32] = Array(0...18) + [20, 33]
        var bytes: [UInt8] = withStatus ? [STLinkStatus.ok, 0, 0, 0] : []
        for selector in selectors { bytes += Self.le32((try? chip.readCoreRegister(selector)) ?? 0) }
        return bytes
    }

    /// READ_DAP_REG: port 0xFFFF is the DP, any other number selects that AP (OpenOCD `stlink-dap.cfg`).
    func readDAPRegister(port: UInt16, register: UInt16) -> (status: UInt8, value: UInt32) {
        let result: (ack: DebugAck, value: UInt32)
        if port == 0xFFFF {
            result = debugPort.dpRead(UInt8(register & 0xC))
        } else {
            _ = debugPort.dpWrite(0x8, UInt32(port) << 24 | UInt32(register & 0xF0))
            result = debugPort.apReadValue(UInt8(register & 0xC))
        }
        return (result.ack == .ok ? STLinkStatus.ok : STLinkStatus.swdAPFault, result.value)
    }

    func writeDAPRegister(port: UInt16, register: UInt16, value: UInt32) -> UInt8 {
        let ack: DebugAck
        if port == 0xFFFF {
            ack = debugPort.dpWrite(UInt8(register & 0xC), value)
        } else {
            _ = debugPort.dpWrite(0x8, UInt32(port) << 24 | UInt32(register & 0xF0))
            ack = debugPort.apWrite(UInt8(register & 0xC), value)
        }
        return ack == .ok ? STLinkStatus.ok : STLinkStatus.swdAPFault
    }

    private func recordFault(_ error: Error, at address: UInt32) {
        lastAccessStatus = STLinkStatus.swdAPFault
        if case ChipError.busFault(let at) = error { lastFaultAddress = at } else { lastFaultAddress = address }
    }

    /// Bytes per bus access of a memory command.
    static func accessWidth(_ command: UInt8) -> Int {
        switch command {
        case STLinkDebugCommand.readMem8, STLinkDebugCommand.writeMem8: return 1
        case STLinkDebugCommand.readMem16, STLinkDebugCommand.writeMem16: return 2
        default: return 4
        }
    }
}
