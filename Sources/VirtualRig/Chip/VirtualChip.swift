import BoardCatalog
import CUnicorn
import Foundation

/// An emulated microcontroller built from its chip YAML: a Cortex-M core that really executes Thumb code, its
/// flash, RAM and ROM at the YAML's addresses, a flash controller model, the debug registers a probe drives, and
/// the few peripherals whose effects the rig shows (console UART, GPIO pins, SysTick, ID registers).
///
/// The chip runs only when asked (`run(instructions:)`), on the caller's thread; debug accesses made while the
/// core runs first let it run `debugSlice` instructions, so a probe polling DHCSR sees a loader make progress.
/// Every public method takes the chip's lock, so a probe model and the rig can share it across threads.
///
/// ```swift
/// let chip = try VirtualChip(board: catalog.board("bluepill"))
/// chip.flash.replace(with: firmware)
/// chip.reset()
/// chip.run(instructions: 1_000_000)
/// print(chip.events)   // [pin PC13 low, led user on, …]
/// ```
public final class VirtualChip {
    public let chip: Chip
    public let board: Board?
    public let clock: ChipClock
    public let flash: FlashArray
    /// What the unique ID (STM32 UID, nRF52 FICR DEVICEID) is derived from besides the chip id: the device's
    /// place in the rig, so two boards of one kind differ as real parts do, and a saved state and a fresh run agree.
    public let identitySeed: String
    let flashController: FlashController?
    let core: CortexMCore
    let devices = DeviceMap()
    let lock = NSRecursiveLock()

    var recordedEvents: [ChipEvent] = []
    var consoleBytesStorage: [UInt8] = []
    /// Called for each event as it happens, under the chip's lock and possibly from inside a run: it must not call
    /// back into the chip (queue the event and act on it after `run` returns).
    public var onEvent: ((ChipEvent) -> Void)?
    /// Who answers semihosting BKPT 0xAB.
    public var semihosting: SemihostingPolicy = .whenDebugDisabled
    /// Instructions a running core executes before each debug access is served.
    public var debugSlice = 20_000
    /// Instructions a running core executes before each batch of debug accesses (`debugBatch`).
    public var batchSlice = 2_000

    // Run state and the debug registers of ARMv7-M C1.6, which a system reset leaves alone.
    var halted = false {
        didSet { if oldValue && !halted { resumes.withLock { resumeCount &+= 1; resumes.broadcast() } } }
    }
    /// Signalled each time the core leaves halt, so a `ChipRunner` sleeps on it rather than polling a halted core.
    /// Its own lock, taken inside the chip's lock and never the other way round.
    let resumes = NSCondition()
    var resumeCount = 0
    var currentHaltReason: HaltReason?
    var debugControl: UInt32 = 0
    var resetSticky = false
    var retireSticky = false
    var demcr: UInt32 = 0
    var dfsr: UInt32 = 0
    var dcrdr: UInt32 = 0
    /// Set while the core itself (not a probe) is accessing a peripheral.
    var coreAccess = false
    /// Set inside `debugBatch`: the core has been advanced for the batch, so its accesses do not advance it again.
    var inDebugBatch = false
    /// When the last `debugBatch` began (system uptime in seconds); nil before the first.
    var lastDebugBatch: TimeInterval?
    /// A reset or halt the core requested during a run, acted on when the engine has stopped.
    var pendingReset = false
    /// Exceptions waiting to be taken (SysTick, PendSV), by exception number.
    var pendingExceptions: Set<UInt32> = []
    var pendingHalt = false
    /// Flash bytes a core store changed behind the controller's back, restored when the engine stops.
    var flashFixups: [(address: UInt32, bytes: [UInt8])] = []
    /// Pages of RAM written by the debug port whose translated code must be dropped before the next run.
    var dirtyCodePages: Set<UInt32> = []
    /// Address ranges the model answers for (the YAML's regions plus the ID words), within the rounded mappings.
    var modelRanges: [Range<UInt32>] = []

    var scs: SystemControlSpace?
    var sysTick: SysTick?

    public convenience init(board: Board, clock: ChipClock = VirtualClock(timeScale: 0),
                            identitySeed: String = "") throws {
        try self.init(chip: board.chip, board: board, clock: clock, identitySeed: identitySeed)
    }

    public init(chip: Chip, board: Board? = nil, clock: ChipClock = VirtualClock(timeScale: 0),
                identitySeed: String = "") throws {
        guard chip.core.architecture == .arm else { throw ChipError.unsupportedCore(chip.core.rawValue) }
        guard let flashRegion = chip.flash else { throw ChipError.noFlash(chip: chip.id) }
        self.chip = chip
        self.board = board
        self.clock = clock
        self.identitySeed = identitySeed
        core = try CortexMCore(core: chip.core)
        flash = FlashArray(region: flashRegion)
        switch chip.flashController {
        case "stm32f1": flashController = STM32F1FlashController(flash: flash, clock: clock)
        case "stm32f4": flashController = STM32F4FlashController(flash: flash, clock: clock)
        case "nrf52": flashController = NRF52FlashController(flash: flash, clock: clock)
        default: flashController = nil
        }
        try mapMemory()
        addPeripherals()
        try mapWindows()
        connectCore()
        reset()
    }

    /// The SW-DP DPIDR from the chip YAML (0x1BA01477 when the YAML has none, the Cortex-M3 SW-DP).
    public var dpIDCode: UInt32 { chip.debug?.dpIDCode ?? 0x1BA0_1477 }

    public var isHalted: Bool { lock.withLock { halted } }

    /// Why the core is halted, nil while it runs.
    public var haltReason: HaltReason? { lock.withLock { currentHaltReason } }

    /// What the firmware did that the outside can see, in order.
    public var events: [ChipEvent] { lock.withLock { recordedEvents } }

    /// Everything written to the console (UART data register or semihosting), as bytes.
    public var consoleBytes: [UInt8] { lock.withLock { consoleBytesStorage } }

    /// The console output decoded as UTF-8 (invalid bytes replaced).
    public var consoleOutput: String { lock.withLock { String(decoding: consoleBytesStorage, as: UTF8.self) } }

    /// Forgets the recorded events and console output.
    public func clearEvents() {
        lock.withLock {
            recordedEvents.removeAll()
            consoleBytesStorage.removeAll()
        }
    }

    /// Marks flash sectors write-protected (fault injection): erasing or programming them sets WRPRTERR/WRPERR.
    public func protectFlashSectors(_ sectors: Set<Int>) {
        lock.withLock { flashController?.protectedSectors = sectors }
    }

    func emit(_ event: ChipEvent) {
        recordedEvents.append(event)
        onEvent?(event)
    }

    func emitConsole(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        consoleBytesStorage += bytes
        emit(.console(String(decoding: bytes, as: UTF8.self)))
    }

    // MARK: Building

    private func mapMemory() throws {
        let page = CortexMCore.pageSize
        flash.onChange = { [unowned self] range in core.invalidateCode(range) }
        try core.map(flash.start, size: flash.mappedSize, pointer: flash.storage)
        let flashSpan = flash.start..<(flash.start &+ UInt32(flash.mappedSize))
        modelRanges.append(flash.start..<(flash.start &+ UInt32(flash.size)))

        // Unicorn maps whole 4 KiB pages: round each region out to pages and merge regions that share one
        // (STM32F4's 30K system memory and 528-byte OTP), keeping each region's own bounds for debug accesses.
        var spans: [(range: Range<UInt32>, writable: Bool)] = []
        func addSpan(_ start: UInt32, _ end: UInt32, writable: Bool) {
            var range = (start / page * page)..<((end + page - 1) / page * page)
            guard !range.overlaps(flashSpan) else { return }
            var writable = writable
            spans.removeAll { span in
                guard span.range.overlaps(range) || span.range.upperBound == range.lowerBound
                    || range.upperBound == span.range.lowerBound else { return false }
                range = min(span.range.lowerBound, range.lowerBound)..<max(span.range.upperBound, range.upperBound)
                writable = writable || span.writable
                return true
            }
            spans.append((range, writable))
        }
        for region in chip.memory where region != flash.region {
            let start = UInt32(truncatingIfNeeded: region.start)
            addSpan(start, start &+ UInt32(truncatingIfNeeded: region.size), writable: region.kind == .ram)
            modelRanges.append(start..<(start &+ UInt32(truncatingIfNeeded: region.size)))
        }
        let idWords = identityWords()
        for (address, bytes) in idWords {
            // Whole words: probes read the flash-size half-word with a word access (stlink-tools on F4).
            let end = (address + UInt32(bytes.count) + 3) & ~3
            addSpan(address & ~3, end, writable: false)
            modelRanges.append((address & ~3)..<end)
        }
        for span in spans {
            try core.map(span.range.lowerBound, size: UInt32(span.range.count), writable: span.writable)
        }
        // Other flash-kind regions (nRF52 UICR) start erased; the controller only programs the main array.
        for region in chip.memory where region.kind == .flash && region != flash.region {
            core.writeMemory(UInt32(truncatingIfNeeded: region.start),
                             [UInt8](repeating: region.erased, count: Int(region.size)))
        }
        // The rest of each ID word reads as erased bits, as on the parts (0xFFFF0040 at 0x1FFFF7E0 on an F103).
        for (address, bytes) in idWords {
            let start = address & ~3
            let end = (address + UInt32(bytes.count) + 3) & ~3
            core.writeMemory(start, [UInt8](repeating: 0xFF, count: Int(end - start)))
        }
        for (address, bytes) in idWords { core.writeMemory(address, bytes) }
    }

    /// Erases the main flash and the other flash-kind regions (nRF52 CTRL-AP ERASEALL, NVMC ERASEALL).
    public func eraseAll() {
        lock.withLock {
            flash.erase(flash.start, count: flash.size)
            eraseSecondaryFlash()
        }
    }

    func eraseSecondaryFlash() {
        for region in chip.memory where region.kind == .flash && region != flash.region {
            core.writeMemory(UInt32(truncatingIfNeeded: region.start),
                             [UInt8](repeating: region.erased, count: Int(region.size)))
        }
    }

    /// The flash-size register (KiB, 16 bits) and the unique ID (`unique_id_size` bytes), at the YAML's addresses.
    private func identityWords() -> [(UInt32, [UInt8])] {
        var words: [(UInt32, [UInt8])] = []
        if let address = chip.debug?.flashSizeAddress {
            let kib = UInt16(truncatingIfNeeded: flash.size / 1024)
            words.append((UInt32(truncatingIfNeeded: address), [UInt8(kib & 0xFF), UInt8(kib >> 8)]))
        }
        // A part ID held in memory rather than in a debug register (nRF52 FICR INFO.PART).
        if let id = chip.debug?.partIDCode, let address = chip.debug?.partIDAddress, address < 0x4000_0000 {
            words.append((UInt32(truncatingIfNeeded: address), Self.littleEndian(id)))
        }
        if chip.flashController == "nrf52" { words += nordicFICR() }
        if let address = chip.debug?.uniqueID?.address {
            words.append((UInt32(truncatingIfNeeded: address), uniqueID.bytes(for: chip)))
        }
        return words
    }

    /// The chip's factory unique ID, seeded by its place in the rig (the state name).
    public var uniqueID: SeededUniqueID { SeededUniqueID(chip: chip.id, place: identitySeed) }

    static func littleEndian(_ word: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * UInt32($0))) }
    }

    /// The FICR words (nRF52840 PS 4.4) that OpenOCD's nrf5 driver and firmware read: code page size and count,
    /// the HWID in CONFIGID, DEVICEID, the device address, the variant, package, RAM and flash sizes.
    private func nordicFICR() -> [(UInt32, [UInt8])] {
        let page = UInt32(flash.region.sectors.first?.size ?? 4096)
        let ramKiB = UInt32(truncatingIfNeeded: (chip.ram?.size ?? 0) / 1024)
        // DEVICEID and the BLE device address: fixed per chip id (as the unique ID of STM32s), so a saved state
        // and a fresh run agree; the address is a random static one (the two top bits set).
        let deviceID = uniqueID.nordicDeviceID
        let values: [(UInt32, UInt32)] = [
            (0x1000_0010, page), (0x1000_0014, UInt32(flash.size) / page), (0x1000_005C, 0xFFFF_0150),
            (0x1000_0060, deviceID.0), (0x1000_0064, deviceID.1),
            (0x1000_00A0, 0xFFFF_FFFF), (0x1000_00A4, deviceID.0 ^ 0x1357_9BDF),
            (0x1000_00A8, 0xFFFF_0000 | (deviceID.1 & 0xFFFF) | 0xC000),
            (0x1000_0104, 0x4141_4430), (0x1000_0108, 0x2004), (0x1000_010C, ramKiB),
            (0x1000_0110, UInt32(flash.size / 1024)),
        ]
        return values.map { ($0.0, Self.littleEndian($0.1)) }
    }

    private func mapWindows() throws {
        // The private peripheral bus (SCS, DWT, FPB, ITM, DBGMCU, ROM table) and the vendor peripheral space.
        let windows: [Range<UInt32>] = [0xE000_0000..<0xE010_0000, 0x4000_0000..<0x4003_0000, 0x5000_0000..<0x5000_1000]
        for window in windows where !modelRanges.contains(where: { $0.overlaps(window) }) {
            devices.addWindow(window)
            try core.mapMMIO(window.lowerBound, size: UInt32(window.count))
        }
    }

    private func connectCore() {
        core.mmioRead = { [unowned self] address, width in
            coreAccess = true
            defer { coreAccess = false }
            applyFlashFixups()
            return devices.read(address, width: width) ?? 0
        }
        core.mmioWrite = { [unowned self] address, width, value in
            coreAccess = true
            defer { coreAccess = false }
            applyFlashFixups()
            _ = devices.write(address, width: width, value: value)
        }
        core.protectedWrite = { [unowned self] address, width, value in
            applyFlashFixups()
            guard flash.contains(address) else {
                // A store into UICR programs it through the NVMC; one into ROM changes nothing. Either way the
                // bytes decided here are put back once the engine has stopped writing.
                if isSecondaryFlash(address) { _ = programSecondaryFlash(address, width: width, value: value) }
                if let kept = core.readMemory(address, count: width) { flashFixups.append((address, kept)) }
                return
            }
            _ = flashController?.busWrite(address: address, width: width, value: value)
            // Unicorn stores `value` after this hook returns; put back what the controller decided.
            flashFixups.append((address, flash.read(address, count: width)))
        }
    }

    /// Restores flash cells a core store overwrote; called at every peripheral access and when a run stops.
    func applyFlashFixups() {
        guard !flashFixups.isEmpty else { return }
        let fixups = flashFixups
        flashFixups.removeAll()
        for fixup in fixups {
            if flash.contains(fixup.address) {
                flash.storage.advanced(by: Int(fixup.address - flash.start))
                    .copyMemory(from: fixup.bytes, byteCount: fixup.bytes.count)
                core.invalidateCode(fixup.address..<(fixup.address + UInt32(fixup.bytes.count)))
            } else {
                core.writeMemory(fixup.address, fixup.bytes)
            }
        }
    }
}
