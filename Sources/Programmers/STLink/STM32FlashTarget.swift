import BoardCatalog
import Flash

/// STM32F1/F4 flash through an ST-Link: erase by the flash controller's registers, program and checksum by
/// routines atelier writes to SRAM and runs on the halted core (so a KiB costs a few USB round trips, not one
/// per half-word). The flash core decides what to erase, write and compare; this only carries it out.
public final class STM32FlashTarget: FlashTarget {
    public let probe: STLinkProbe
    public let controller: STM32FlashController
    public let flash: MemoryRegion
    public let capabilities: FlashCapabilities
    /// Where the routines, the CRC table and the data buffer live in SRAM.
    public let layout: Layout
    /// How long a loader run may take at most, per byte, on top of a fixed allowance (scaled rigs are slower).
    var runAllowance = Duration.seconds(5)
    private var unlocked = false

    public struct Layout: Sendable, Equatable {
        public var writeLoader: UInt32
        public var crcRoutine: UInt32
        public var crcTable: UInt32
        public var buffer: UInt32
        public var bufferSize: Int

        /// Routines first, then the 1 KiB table, then the largest buffer (up to 32 KiB, whole KiB) that fits below
        /// the last 256 bytes, which are left alone as a margin for firmware that runs before we halt it.
        public init(ram: MemoryRegion) {
            let start = UInt32(truncatingIfNeeded: ram.start)
            writeLoader = start
            crcRoutine = start + 0x40
            crcTable = start + 0x80
            buffer = start + 0x500
            let room = Int(ram.size) - 0x500 - 0x100
            bufferSize = max(1024, min(32 * 1024, room) & ~0x3FF)
        }
    }

    /// Takes over a connected probe: halts the core, checks that the chip is the board's (unless `force`), and
    /// loads the routines. The probe must be connected (`STLinkProbe.connect`).
    public init(probe: STLinkProbe, board: Board, force: Bool = false) throws {
        guard let flash = board.chip.flash else { throw ProgrammerError.noFlash(board.id) }
        guard let ram = board.chip.ram else { throw STLinkError.invalidRequest("board '\(board.id)' has no RAM") }
        let name = board.chip.flashController ?? "none"
        guard let controller = STM32FlashController(name: name) else {
            throw STLinkError.unsupportedFlashController(name)
        }
        self.probe = probe
        self.controller = controller
        self.flash = flash
        layout = Layout(ram: ram)
        capabilities = FlashCapabilities(maxTransferSize: layout.bufferSize)
        try probe.halt()
        if !force { try STM32ChipCheck(board: board).check(probe) }
        try probe.writeMemory(layout.writeLoader, controller.writeLoader)
        try probe.writeMemory(layout.crcRoutine, STM32Loaders.crc32)
        try probe.writeMemory(layout.crcTable, STM32Loaders.crc32Table)
    }

    // MARK: FlashTarget

    public func read(address: UInt64, count: Int) throws -> [UInt8] {
        try probe.readMemory(try word(address), count: count)
    }

    public func erase(sector: Sector) throws {
        let address = try word(sector.start)
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
            throw STLinkError.invalidRequest("programming \(bytes.count) bytes at \(hexWord(target)) is not aligned to "
                + "the \(unit)-byte write unit of the \(controller.family.rawValue) flash")
        }
        try prepare()
        var offset = 0
        while offset < bytes.count {
            let count = min(layout.bufferSize, bytes.count - offset)
            let here = target + UInt32(offset)
            try probe.writeMemory(layout.buffer, Array(bytes[offset..<(offset + count)]))
            try runRoutine(layout.writeLoader, registers: [
                (.r0, layout.buffer), (.r1, here), (.r2, UInt32(count)), (.r3, controller.base),
            ], operation: "programming \(count) bytes", at: here, bytes: count)
            let remaining = try probe.readCoreRegister(.r2)
            let status = try probe.readCoreRegister(.r5)
            if remaining != 0 || status & controller.errorBits != 0 {
                let failed = here + UInt32(count) - remaining
                throw STLinkError.flashError(operation: "programming", address: failed, status: status,
                                             errors: controller.errorNames(status))
            }
            offset += count
        }
    }

    public func checksum(address: UInt64, count: Int) throws -> UInt32? {
        let start = try word(address)
        try runRoutine(layout.crcRoutine, registers: [(.r0, start), (.r1, UInt32(count)), (.r2, layout.crcTable)],
                       operation: "CRC-32 of \(count) bytes", at: start, bytes: count)
        return try probe.readCoreRegister(.r0)
    }

    /// Locks the flash controller again; call when done writing.
    public func finish() throws {
        guard unlocked else { return }
        try probe.write32(controller.controlRegister, controller.lockBit)
        unlocked = false
    }

    // MARK: Steps

    /// Waits out a previous operation, clears stale flags, and unlocks the controller once.
    private func prepare() throws {
        try waitWhileBusy("flash controller", at: controller.statusRegister, timeout: .seconds(2))
        try probe.write32(controller.statusRegister, controller.clearFlags)
        guard !unlocked else { return }
        if try probe.read32(controller.controlRegister) & controller.lockBit != 0 {
            for key in STM32FlashController.keys { try probe.write32(controller.keyRegister, key) }
            let control = try probe.read32(controller.controlRegister)
            guard control & controller.lockBit == 0 else {
                throw STLinkError.loaderFailed(operation: "unlocking the flash controller",
                                               address: controller.controlRegister,
                                               detail: "FLASH_CR still reads \(hexWord(control)) with LOCK set; "
                                                   + "reset the board (a wrong key locks it until reset) and retry")
            }
        }
        unlocked = true
    }

    private func finishOperation(_ operation: String, at address: UInt32, timeout: Duration) throws {
        let status = try waitWhileBusy(operation, at: address, timeout: timeout)
        try probe.write32(controller.controlRegister, 0)
        if status & controller.errorBits != 0 {
            throw STLinkError.flashError(operation: operation, address: address, status: status,
                                         errors: controller.errorNames(status))
        }
    }

    @discardableResult
    private func waitWhileBusy(_ operation: String, at address: UInt32, timeout: Duration) throws -> UInt32 {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var pause = Duration.microseconds(500)
        while true {
            let status = try probe.read32(controller.statusRegister)
            if status & controller.busyBit == 0 { return status }
            if clock.now >= deadline {
                throw STLinkError.loaderFailed(operation: operation, address: address,
                                               detail: "the flash controller stayed busy (FLASH_SR \(hexWord(status)))"
                                                   + "; power-cycle the board and retry")
            }
            probe.sleep(pause)
            pause = min(pause * 2, .milliseconds(20))
        }
    }

    /// Runs a routine with interrupts masked until its BKPT, and checks it stopped there.
    private func runRoutine(_ entry: UInt32, registers: [(CortexMRegister, UInt32)], operation: String,
                            at address: UInt32, bytes: Int) throws {
        for (register, value) in registers { try probe.writeCoreRegister(register, value) }
        try probe.writeCoreRegister(.pc, entry)
        try probe.writeCoreRegister(.xpsr, 0x0100_0000)  // Thumb state
        try probe.run(maskInterrupts: true)
        let timeout = runAllowance + .microseconds(Int64(bytes) * 100)
        let dhcsr: UInt32
        do {
            dhcsr = try probe.waitForHalt(timeout: timeout, operation: operation)
        } catch {
            try? probe.halt()
            throw STLinkError.loaderFailed(operation: operation, address: address,
                                           detail: "the routine atelier ran in RAM did not finish in time; "
                                               + "power-cycle the board and retry")
        }
        let pc = try probe.readCoreRegister(.pc)
        let end = entry + UInt32(entry == layout.crcRoutine ? STM32Loaders.crc32.count
                                                             : controller.writeLoader.count)
        guard dhcsr & CortexM.sLockup == 0, pc >= entry, pc < end else {
            throw STLinkError.loaderFailed(operation: operation, address: address,
                                           detail: "the routine stopped at \(hexWord(pc)) instead of its breakpoint "
                                               + "(DHCSR \(hexWord(dhcsr))); is the board's RAM at "
                                               + "\(hexWord(layout.writeLoader))?")
        }
    }

    private func word(_ address: UInt64) throws -> UInt32 {
        guard address <= UInt64(UInt32.max) else {
            throw STLinkError.invalidRequest("\(hex(address)) is beyond a 32-bit target's address space")
        }
        return UInt32(address)
    }
}
