import BoardCatalog
import Flash

/// STM32F1/F4 flash through any debug probe (ST-Link, CMSIS-DAP): erase by the flash controller's registers,
/// program and checksum by routines atelier writes to SRAM and runs on the halted core, so a sector costs a handful
/// of USB round trips, not one per half-word. The flash core decides what to erase, write and compare; this only
/// carries it out.
///
/// Checksums are computed on the target for many sectors per run and remembered until a sector is erased or
/// written; the write loader computes its sector's CRC right after programming, so the core's verify of that
/// sector needs no second run.
public final class STM32FlashTarget: DebugFlashTarget {
    public let probe: DebugProbe
    public let controller: STM32FlashController
    public let flash: MemoryRegion
    public let capabilities: FlashCapabilities
    /// Where the routines, their parameters, the CRC table and the data buffer live in SRAM.
    public let layout: Layout
    /// How long a routine may run at most, on top of a per-byte allowance (scaled rigs are slower).
    var runAllowance = Duration.seconds(5)
    var unlocked = false
    /// CRC-32 of flash ranges as the target computed them, valid until the range is erased or written.
    let checksums: TargetChecksums

    public struct Layout: Sendable, Equatable {
        public var crcTable: UInt32
        public var crcRoutine: UInt32
        public var crcParameters: UInt32
        public var writeLoader: UInt32
        public var writeParameters: UInt32
        public var buffer: UInt32
        public var bufferSize: Int

        /// The 1 KiB table first, the CRC routine and its range list, then the write loader with its parameters
        /// and the largest buffer (up to 32 KiB, whole KiB) that leaves the last 256 bytes alone, as a margin for
        /// firmware that ran before we halted it.
        public init(ram: MemoryRegion, writeLoader loader: [UInt8]) {
            let start = UInt32(truncatingIfNeeded: ram.start)
            crcTable = start
            crcRoutine = start + 0x400
            crcParameters = crcRoutine + STM32Loaders.parameterOffset(of: STM32Loaders.crc32)
            writeLoader = start + 0x800
            writeParameters = writeLoader + STM32Loaders.parameterOffset(of: loader)
            buffer = writeParameters + STM32Loaders.writeParameterBytes
            let room = Int(ram.size) - Int(buffer - start) - 0x100
            bufferSize = max(1024, min(32 * 1024, room) & ~0x3FF)
        }
    }

    /// Takes over a connected probe: halts the core, checks that the chip is the board's (unless `force`), and
    /// loads the routines. The probe must be connected.
    public init(probe: DebugProbe, board: Board, force: Bool = false) throws {
        guard let flash = board.chip.flash else { throw ProgrammerError.noFlash(board.id) }
        guard let ram = board.chip.ram else { throw DebugError.invalidRequest("board '\(board.id)' has no RAM") }
        let name = board.chip.flashController ?? "none"
        guard let controller = STM32FlashController(name: name) else {
            throw DebugError.unsupportedFlashController(name)
        }
        self.probe = probe
        self.controller = controller
        self.flash = flash
        layout = Layout(ram: ram, writeLoader: controller.writeLoader)
        capabilities = FlashCapabilities(maxTransferSize: layout.bufferSize)
        checksums = TargetChecksums(probe: probe, flash: flash, table: layout.crcTable, routine: layout.crcRoutine)
        try probe.halt()
        if !force { try ChipCheck(board: board).check(probe) }
        let freeze = controller.watchdogFreeze
        try probe.write32(freeze.register, try probe.read32(freeze.register) | freeze.bits)
        try checksums.load()
        try probe.writeMemory(layout.writeLoader, controller.writeLoader)
        // Thumb state for every routine run; a BKPT halt leaves xPSR as it was, so this is written once.
        try probe.writeCoreRegister(.xpsr, 0x0100_0000)
    }

    // MARK: FlashTarget

    public func read(address: UInt64, count: Int) throws -> [UInt8] {
        try probe.readMemory(try word(address), count: count)
    }

    public func erase(sector: Sector) throws {
        let address = try word(sector.start)
        checksums.forget(sector.range)
        try prepare()
        let control = controller.eraseControl(sector: sector)
        try probe.write32(controller.controlRegister, control)
        if controller.family == .f1 { try probe.write32(controller.addressRegister, address) }
        try probe.write32(controller.controlRegister, control | controller.startBit)
        let allowance = Duration.milliseconds(Int64((sector.eraseMilliseconds ?? 1000) * 4)) + .seconds(2)
        try finishOperation("erase of sector \(sector.index)", at: address, timeout: allowance)
    }

    public func massErase() throws {
        let address = try word(flash.start)
        checksums.forgetAll()
        try prepare()
        try probe.write32(controller.controlRegister, controller.massEraseControl)
        try probe.write32(controller.controlRegister, controller.massEraseControl | controller.startBit)
        let allowance = Duration.milliseconds(Int64((flash.massEraseMilliseconds ?? 8000) * 4)) + .seconds(2)
        try finishOperation("mass erase", at: address, timeout: allowance)
    }

    public func program(address: UInt64, bytes: [UInt8]) throws {
        let target = try word(address)
        let unit = controller.writeUnit
        guard Int(target) % unit == 0, bytes.count % unit == 0 else {
            throw DebugError.invalidRequest("programming \(bytes.count) bytes at \(hexWord(target)) is not aligned to "
                + "the \(unit)-byte write unit of the \(controller.family.rawValue) flash")
        }
        try prepare(quick: true)
        var offset = 0
        while offset < bytes.count {
            let count = min(layout.bufferSize, bytes.count - offset)
            let here = target + UInt32(offset)
            let sector = flash.sector(containing: UInt64(here))?.range ?? UInt64(here)..<UInt64(here)
            checksums.forget(sector)
            let parameters = [here, UInt32(count), controller.base, UInt32(truncatingIfNeeded: sector.lowerBound),
                              UInt32(sector.count), layout.crcTable, UInt32.max, 0, 0]
            var block = parameters.flatMap(LE.bytes) + bytes[offset..<(offset + count)]
            // Word transfers only: pad to a word with erased bytes the loader is not asked to write.
            block += [UInt8](repeating: 0xFF, count: (4 - block.count % 4) % 4)
            try probe.writeMemory(layout.writeParameters, block, checked: false)
            // The loader overwrites the all-ones "bytes not written" it is given, so a routine that never ran its
            // course shows there; its PC need not be read back.
            try probe.runRoutine(layout.writeLoader, length: controller.writeLoader.count,
                                 operation: "programming \(count) bytes", at: here,
                                 timeout: runAllowance + .microseconds(Int64(count + sector.count) * 100),
                                 checkPC: false)
            let results = try probe.readMemory(layout.writeParameters + 24, count: 12, checked: false)
            let remaining = LE.u32(results, at: 0), status = LE.u32(results, at: 4)
            if remaining != 0 || status & controller.errorBits != 0 {
                let failed = here + UInt32(count) - min(remaining, UInt32(count))
                throw DebugError.flashError(operation: "programming", address: failed, status: status,
                                             errors: controller.errorNames(status))
            }
            if !sector.isEmpty { checksums.remember(sector, LE.u32(results, at: 8)) }
            offset += count
        }
    }

    public func checksum(address: UInt64, count: Int) throws -> UInt32? {
        try checksums.checksum(address..<(address + UInt64(count)))
    }

    /// Locks the flash controller again; call when done writing.
    public func finish() throws {
        guard unlocked else { return }
        try probe.write32(controller.controlRegister, controller.lockBit)
        unlocked = false
    }

    // MARK: Helpers

    func word(_ address: UInt64) throws -> UInt32 { try targetWord(address) }
}
