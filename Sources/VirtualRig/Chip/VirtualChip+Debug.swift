import CUnicorn

/// The memory and register access a debug probe has (through the AHB-AP and DCRSR/DCRDR): what an ST-Link model
/// calls directly for READMEM/WRITEMEM/READREG, and what `MemoryAccessPort` uses below the SW-DP.
///
/// Each call first lets a running core run a slice (`debugSlice`). Accesses outside the chip's memory regions
/// and peripheral windows throw `ChipError.busFault`, as an AHB error response would.
extension VirtualChip {
    public func read32(_ address: UInt32) throws -> UInt32 { try read(address, width: 4) }
    public func read16(_ address: UInt32) throws -> UInt16 { UInt16(truncatingIfNeeded: try read(address, width: 2)) }
    public func read8(_ address: UInt32) throws -> UInt8 { UInt8(truncatingIfNeeded: try read(address, width: 1)) }
    public func write32(_ address: UInt32, _ value: UInt32) throws { try write(address, width: 4, value: value) }
    public func write16(_ address: UInt32, _ value: UInt16) throws {
        try write(address, width: 2, value: UInt32(value))
    }
    public func write8(_ address: UInt32, _ value: UInt8) throws { try write(address, width: 1, value: UInt32(value)) }

    /// One access of `width` bytes (1, 2 or 4) at a naturally aligned address.
    public func read(_ address: UInt32, width: Int) throws -> UInt32 {
        try lock.withLock {
            advanceIfRunning()
            guard let value = busRead(address, width: width) else { throw ChipError.busFault(address: address) }
            return value
        }
    }

    public func write(_ address: UInt32, width: Int, value: UInt32) throws {
        try lock.withLock {
            advanceIfRunning()
            guard busWrite(address, width: width, value: value) else { throw ChipError.busFault(address: address) }
        }
    }

    /// `count` bytes from `address`: one copy for plain memory, single-byte accesses elsewhere.
    public func readMemory(_ address: UInt32, count: Int) throws -> [UInt8] {
        try lock.withLock {
            advanceIfRunning()
            applyFlashFixups()
            let end = UInt64(address) + UInt64(count)
            if !devices.isMapped(address), modelRanges.contains(where: { UInt64($0.lowerBound) <= UInt64(address)
                && end <= UInt64($0.upperBound) }), let bytes = core.readMemory(address, count: count) {
                return bytes
            }
            return try (0..<count).map { offset in
                let at = address &+ UInt32(offset)
                guard let byte = busRead(at, width: 1) else { throw ChipError.busFault(address: at) }
                return UInt8(truncatingIfNeeded: byte)
            }
        }
    }

    /// Writes `bytes` at `address` in accesses of `accessWidth` bytes (as the probe's CSW.Size would); RAM gets
    /// one copy, flash and peripherals see every access.
    public func writeMemory(_ address: UInt32, _ bytes: [UInt8], accessWidth: Int = 4) throws {
        try lock.withLock {
            advanceIfRunning()
            let end = address &+ UInt32(bytes.count)
            if isRAM(address..<end) {
                core.writeMemory(address, bytes)
                markDirty(address..<end)
                return
            }
            var offset = 0
            while offset < bytes.count {
                let at = address &+ UInt32(offset)
                var width = accessWidth
                while width > 1, at % UInt32(width) != 0 || offset + width > bytes.count { width /= 2 }
                let value = (0..<width).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
                guard busWrite(at, width: width, value: value) else { throw ChipError.busFault(address: at) }
                offset += width
            }
        }
    }

    /// A core register by its DCRSR selector (ARMv7-M C1.6.3): 0-12 r0-r12, 13 sp, 14 lr, 15 pc (debug return
    /// address), 16 xPSR, 17 MSP, 18 PSP, 20 CONTROL/FAULTMASK/BASEPRI/PRIMASK, 33 FPSCR, 64-95 S0-S31.
    public func readCoreRegister(_ selector: UInt32) throws -> UInt32 {
        try lock.withLock {
            advanceIfRunning()
            return try readRegister(selector)
        }
    }

    public func writeCoreRegister(_ selector: UInt32, _ value: UInt32) throws {
        try lock.withLock {
            advanceIfRunning()
            try writeRegister(selector, value)
        }
    }

    // MARK: Internals

    func readRegister(_ selector: UInt32) throws -> UInt32 {
        switch selector {
        case 15:
            return core.pc
        case 16:
            // The T bit is always 1 on M-profile; Unicorn keeps it outside xPSR.
            return core.read(UC_ARM_REG_XPSR) | 0x0100_0000
        case 20:
            return (core.read(UC_ARM_REG_CONTROL) & 0xFF) << 24 | (core.read(UC_ARM_REG_FAULTMASK) & 0xFF) << 16
                | (core.read(UC_ARM_REG_BASEPRI) & 0xFF) << 8 | core.read(UC_ARM_REG_PRIMASK) & 0xFF
        default:
            return core.read(try Self.unicornRegister(selector))
        }
    }

    func writeRegister(_ selector: UInt32, _ value: UInt32) throws {
        switch selector {
        case 15:
            core.pc = value
        case 16:
            // Keep Thumb state: a cleared T bit would make the next instruction fault on hardware too, but
            // Unicorn would leave M-profile altogether.
            core.write(UC_ARM_REG_XPSR, value | 0x0100_0000)
        case 20:
            core.write(UC_ARM_REG_PRIMASK, value & 0x1)
            core.write(UC_ARM_REG_BASEPRI, (value >> 8) & 0xFF)
            core.write(UC_ARM_REG_FAULTMASK, (value >> 16) & 0x1)
            core.write(UC_ARM_REG_CONTROL, (value >> 24) & 0x7)
        default:
            core.write(try Self.unicornRegister(selector), value)
        }
    }

    static func unicornRegister(_ selector: UInt32) throws -> uc_arm_reg {
        switch selector {
        case 0...12: return uc_arm_reg(rawValue: UC_ARM_REG_R0.rawValue + selector)
        case 13: return UC_ARM_REG_SP
        case 14: return UC_ARM_REG_LR
        case 17: return UC_ARM_REG_MSP
        case 18: return UC_ARM_REG_PSP
        case 33: return UC_ARM_REG_FPSCR
        case 64...95: return uc_arm_reg(rawValue: UC_ARM_REG_S0.rawValue + selector - 64)
        default: throw ChipError.unknownRegister(selector)
        }
    }

    func busRead(_ address: UInt32, width: Int) -> UInt32? {
        if devices.isMapped(address) { return devices.read(address, width: width) }
        applyFlashFixups()
        if flash.contains(address) { return flash.value(at: address, width: width) }
        guard isModelMemory(address), let bytes = core.readMemory(address, count: width) else { return nil }
        return bytes.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    func busWrite(_ address: UInt32, width: Int, value: UInt32) -> Bool {
        if devices.isMapped(address) { return devices.write(address, width: width, value: value) }
        applyFlashFixups()
        if flash.contains(address) {
            // Without a controller model the flash is read-only: writes are dropped.
            return flashController?.busWrite(address: address, width: width, value: value) ?? true
        }
        guard isModelMemory(address) else { return false }
        if isSecondaryFlash(address) { return programSecondaryFlash(address, width: width, value: value) }
        let end = address &+ UInt32(width)
        // ROM and the ID words ignore writes, as system memory does.
        guard isRAM(address..<end) else { return true }
        core.writeMemory(address, (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) })
        markDirty(address..<end)
        return true
    }

    func isModelMemory(_ address: UInt32) -> Bool { modelRanges.contains { $0.contains(address) } }

    /// A flash-kind region other than the main array (nRF52 UICR).
    func isSecondaryFlash(_ address: UInt32) -> Bool {
        chip.memory.contains { region in
            region.kind == .flash && region != flash.region && region.contains(UInt64(address))
        }
    }

    /// A write into UICR goes through the NVMC as main flash does; without an NVMC the region is read-only.
    func programSecondaryFlash(_ address: UInt32, width: Int, value: UInt32) -> Bool {
        guard let nvmc = flashController as? NRF52FlashController else { return true }
        guard width == 4, address & 3 == 0, let bytes = core.readMemory(address, count: 4) else { return false }
        let old = bytes.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        if let new = nvmc.programmedWord(old: old, value: value) { core.writeMemory(address, Self.littleEndian(new)) }
        return true
    }

    func isRAM(_ range: Range<UInt32>) -> Bool {
        chip.memory.contains { region in
            region.kind == .ram && region.contains(UInt64(range.lowerBound))
                && UInt64(range.upperBound) <= region.end
        }
    }

    private func markDirty(_ range: Range<UInt32>) {
        guard !range.isEmpty else { return }
        let page = CortexMCore.pageSize
        var start = range.lowerBound / page * page
        while start < range.upperBound {
            dirtyCodePages.insert(start)
            start &+= page
            if start == 0 { break }
        }
    }
}
