/// The command decoder: one 16-byte block in, the reply (or a data phase) out. Row references are to
/// `stlink.md` sections 3 and 4; multi-byte arguments are little-endian except GET_VERSION's first word.
extension VirtualSTLink {
    enum Outcome: Equatable {
        /// A reply for the host's next IN transfer.
        case reply([UInt8])
        /// No reply phase (DFU_EXIT, DEBUG_EXIT, unknown top-level commands).
        case none
        /// A write whose `length` data bytes follow on the command endpoint.
        case dataPhase(command: UInt8, address: UInt32, length: Int)
    }

    func execute(_ block: [UInt8]) -> Outcome {
        switch block[0] {
        case STLinkCommand.getVersion:
            // Section 3: version word big-endian, then VID and PID little-endian.
            let word = variant.versionWord
            return .reply([UInt8(word >> 8), UInt8(word & 0xFF)] + Self.le16(STLinkVariant.vendorID)
                + Self.le16(variant.productID))
        case STLinkCommand.getVersionEx:
            // Section 3: major, SWIM, JTAG/SWD, MSD, bridge, three unused bytes, VID, PID.
            let low = UInt8(variant.versionWord & 0x3F)
            return .reply([2, variant == .v2 ? low : 0, 37, variant == .v21 ? low : 0, 0, 0, 0, 0]
                + Self.le16(STLinkVariant.vendorID) + Self.le16(variant.productID))
        case STLinkCommand.getCurrentMode:
            return .reply([mode.rawValue, 0])
        case STLinkCommand.dfu:
            if block[1] == STLinkCommand.dfuExit { mode = .massStorage }
            return .none
        case STLinkCommand.swim:
            if block[1] == STLinkCommand.swimExit { mode = .massStorage }
            return .reply([STLinkStatus.ok, 0])
        case STLinkCommand.getTargetVoltage:
            // Section 3: r0 = the 1.2 V reference's reading, r1 = half the target's; 2.4 * 1375 / 1000 = 3.3 V,
            // above the 2.7 V that makes st-flash pick its F4 x32 loader (section 9 step 3).
            return .reply(Self.le32(1000) + Self.le32(1375))
        case STLinkCommand.debug:
            return debugCommand(block)
        default:
            return .none
        }
    }

    private func debugCommand(_ block: [UInt8]) -> Outcome {
        let address = Self.word(block, at: 2)
        switch block[1] {
        case STLinkDebugCommand.enter, STLinkDebugCommand.enterV1:
            // Byte 2: 0xA3 SWD. The rig's chips have only a SW-DP, so JTAG cannot read an ID code.
            guard !STLinkDebugCommand.enterJTAG.contains(block[2]) else {
                return .reply([STLinkStatus.jtagGetIDCodeError, 0])
            }
            mode = .debug
            return .reply([STLinkStatus.ok, 0])
        case STLinkDebugCommand.exit:
            mode = .massStorage
            hostDisconnected()
            return .none
        case STLinkDebugCommand.readIDCodes:
            // Status, then the DP IDCODE that OpenOCD compares with the target config's -expected-id.
            return .reply([STLinkStatus.ok, 0, 0, 0] + Self.le32(chip.dpIDCode) + Self.le32(0))
        case STLinkDebugCommand.readCoreID:
            return .reply(Self.le32(chip.dpIDCode))
        case STLinkDebugCommand.swdSetFrequency, STLinkDebugCommand.jtagSetFrequency,
             STLinkDebugCommand.startTraceRX, STLinkDebugCommand.stopTraceRX:
            return .reply([STLinkStatus.ok, 0])
        case STLinkDebugCommand.getTraceCount:
            return .reply([0, 0])
        case STLinkDebugCommand.initAP, STLinkDebugCommand.closeAP:
            // Only AP 0, the AHB-AP, exists on the STM32s behind an ST-Link.
            return .reply([block[2] == 0 ? STLinkStatus.ok : STLinkStatus.badAP, 0])
        case STLinkDebugCommand.getStatus:
            return .reply([chip.isHalted ? STLinkStatus.coreHalted : STLinkStatus.coreRunning, 0])
        case STLinkDebugCommand.forceDebug:
            chip.halt()
            return .reply([STLinkStatus.ok, 0])
        case STLinkDebugCommand.runCore:
            chip.resume()
            return .reply([STLinkStatus.ok, 0])
        case STLinkDebugCommand.stepCore:
            chip.step()
            return .reply([STLinkStatus.ok, 0])
        case STLinkDebugCommand.resetSys, STLinkDebugCommand.resetSysV1:
            // A system reset, as AIRCR.SYSRESETREQ: the core halts at the reset vector if DEMCR.VC_CORERESET.
            if !resetHeld { chip.reset() }
            return .reply([STLinkStatus.ok, 0])
        case STLinkDebugCommand.driveNRST:
            return .reply([driveReset(block[2]), 0])
        case STLinkDebugCommand.readReg, STLinkDebugCommand.readRegV1:
            return readRegister(UInt32(block[2]), withStatus: block[1] == STLinkDebugCommand.readReg)
        case STLinkDebugCommand.writeReg, STLinkDebugCommand.writeRegV1:
            let status = writeRegister(UInt32(block[2]), Self.word(block, at: 3))
            return .reply([status, 0])
        case STLinkDebugCommand.readAllRegs, STLinkDebugCommand.readAllRegsV1:
            return .reply(readAllRegisters(withStatus: block[1] == STLinkDebugCommand.readAllRegs))
        case STLinkDebugCommand.readDebugReg:
            let (status, value) = readWord(address)
            return .reply([status, 0, 0, 0] + Self.le32(value))
        case STLinkDebugCommand.writeDebugReg, STLinkDebugCommand.writeDebugRegV1:
            return .reply([writeWord(address, Self.word(block, at: 6)), 0])
        case STLinkDebugCommand.readMem32, STLinkDebugCommand.readMem16, STLinkDebugCommand.readMem8,
             STLinkDebugCommand.readMem32NoIncrement:
            return .reply(readBlock(block[1], address: address, length: Self.length(block)))
        case STLinkDebugCommand.writeMem32, STLinkDebugCommand.writeMem16, STLinkDebugCommand.writeMem8,
             STLinkDebugCommand.writeMem32NoIncrement:
            return .dataPhase(command: block[1], address: address, length: Self.length(block))
        case STLinkDebugCommand.getLastRWStatus:
            return .reply([takeAccessStatus().status, 0])
        case STLinkDebugCommand.getLastRWStatus2:
            // Status, then the faulting address (neither host interprets the rest, section 4).
            let (status, faultAddress) = takeAccessStatus()
            return .reply([status, 0, 0, 0] + Self.le32(faultAddress) + Self.le32(0))
        case STLinkDebugCommand.readDAPRegister:
            let (status, value) = readDAPRegister(port: Self.half(block, at: 2), register: Self.half(block, at: 4))
            return .reply([status, 0, 0, 0] + Self.le32(value))
        case STLinkDebugCommand.writeDAPRegister:
            let status = writeDAPRegister(port: Self.half(block, at: 2), register: Self.half(block, at: 4),
                                          value: Self.word(block, at: 6))
            return .reply([status, 0])
        default:
            return .reply([STLinkStatus.fault, 0])
        }
    }

    /// DRIVE_NRST (0x3C): 0 low, 1 high, 2 pulse. NRST resets the system but not the debug registers, so a
    /// probe's DEMCR.VC_CORERESET still catches the reset vector when NRST is released.
    private func driveReset(_ level: UInt8) -> UInt8 {
        switch level {
        case 0:
            resetHeld = true
            chip.reset(halt: true)
        case 1:
            if resetHeld { chip.reset() }
            resetHeld = false
        case 2:
            resetHeld = false
            chip.reset()
        default:
            return STLinkStatus.fault
        }
        return STLinkStatus.ok
    }

    /// The status of the last memory access; reading it clears it, as the next access would.
    private func takeAccessStatus() -> (status: UInt8, faultAddress: UInt32) {
        defer {
            lastAccessStatus = STLinkStatus.ok
            lastFaultAddress = 0
        }
        return (lastAccessStatus, lastFaultAddress)
    }

    // MARK: Argument decoding

    static func word(_ block: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(block[offset + $1]) << (8 * UInt32($1)) }
    }

    static func half(_ block: [UInt8], at offset: Int) -> UInt16 {
        UInt16(block[offset]) | UInt16(block[offset + 1]) << 8
    }

    /// A memory command's byte count, LE16 at offset 6.
    static func length(_ block: [UInt8]) -> Int { Int(half(block, at: 6)) }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
