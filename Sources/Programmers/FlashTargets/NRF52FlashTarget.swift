import BoardCatalog
import Flash

/// nRF52 flash through any debug probe, by the NVMC's registers (reference/stm32-nrf-flash.md section 5): CONFIG
/// selects erase (EEN) or write (WEN), ERASEPAGE erases one 4 KiB page, ERASEALL the whole flash, READY says when an
/// operation is done. Words are written straight through the MEM-AP while CONFIG is WEN (the bus waits out each
/// word's t_WRITE), so a probe that streams block writes programs at the speed of its packets.
///
/// Checksums come from the shared on-target CRC routine: before anything is written one run covers the following
/// sectors too (an unchanged image costs one run), afterwards only the sector just written is computed.
public final class NRF52FlashTarget: DebugFlashTarget {
    public let probe: DebugProbe
    public let flash: MemoryRegion
    public let capabilities: FlashCapabilities
    let checksums: TargetChecksums
    /// CONFIG as last written, so consecutive writes set it once.
    private var mode: Mode = .readOnly
    private var written = false
    /// How long one NVMC operation may take; nRF5 hosts allow 340 ms, a scaled rig may be slower.
    var operationTimeout = Duration.seconds(5)

    /// NVMC registers and CONFIG values (stm32-nrf-flash.md section 5).
    public enum NVMC {
        public static let base: UInt32 = 0x4001_E000
        public static let ready = base + 0x400
        public static let config = base + 0x504
        public static let erasePage = base + 0x508
        public static let eraseAll = base + 0x50C
    }

    enum Mode: UInt32 {
        case readOnly = 0, writeEnable = 1, eraseEnable = 2
    }

    /// Takes over a connected probe: halts the core (the NVMC must not run while the CPU fetches from flash),
    /// checks that the chip is the board's (unless `force`) and loads the CRC routine into RAM.
    public init(probe: DebugProbe, board: Board, force: Bool = false) throws {
        guard let flash = board.chip.flash else { throw ProgrammerError.noFlash(board.id) }
        guard let ram = board.chip.ram else { throw DebugError.invalidRequest("board '\(board.id)' has no RAM") }
        self.probe = probe
        self.flash = flash
        let start = try targetWord(ram.start)
        checksums = TargetChecksums(probe: probe, flash: flash, table: start, routine: start + 0x400)
        capabilities = FlashCapabilities(maxTransferSize: Int(flash.sectorList.first?.size ?? 4096))
        try probe.halt()
        if !force { try ChipCheck(board: board).check(probe) }
        try checksums.load()
    }

    // MARK: FlashTarget

    public func read(address: UInt64, count: Int) throws -> [UInt8] {
        try probe.readMemory(try targetWord(address), count: count)
    }

    public func erase(sector: Sector) throws {
        let address = try targetWord(sector.start)
        checksums.forget(sector.range)
        written = true
        try set(.eraseEnable)
        try probe.write32(NVMC.erasePage, address)
        try waitReady("erase of page \(sector.index)", at: address)
    }

    public func massErase() throws {
        checksums.forgetAll()
        written = true
        try set(.eraseEnable)
        try probe.write32(NVMC.eraseAll, 1)
        try waitReady("mass erase (ERASEALL)", at: try targetWord(flash.start))
    }

    public func program(address: UInt64, bytes: [UInt8]) throws {
        let target = try targetWord(address)
        guard target % 4 == 0, bytes.count % 4 == 0 else {
            throw DebugError.invalidRequest("programming \(bytes.count) bytes at \(hexWord(target)) is not aligned to "
                + "the 4-byte words the nRF52 NVMC writes")
        }
        let range = address..<(address + UInt64(bytes.count))
        for sector in flash.sectorList where sector.range.overlaps(range) { checksums.forget(sector.range) }
        written = true
        try set(.writeEnable)
        try probe.writeMemory(target, bytes)
        try waitReady("programming \(bytes.count) bytes", at: target)
    }

    public func checksum(address: UInt64, count: Int) throws -> UInt32? {
        try checksums.checksum(address..<(address + UInt64(count)), ahead: !written)
    }

    /// Back to read-only, so firmware started next cannot write flash by accident.
    public func finish() throws {
        try set(.readOnly)
    }

    // MARK: Steps

    private func set(_ wanted: Mode) throws {
        guard wanted != mode else { return }
        try probe.write32(NVMC.config, wanted.rawValue)
        mode = wanted
    }

    private func waitReady(_ operation: String, at address: UInt32) throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: operationTimeout)
        var pause = Duration.microseconds(200)
        while try probe.read32(NVMC.ready) & 1 == 0 {
            if clock.now >= deadline {
                throw DebugError.loaderFailed(operation: operation, address: address,
                                              detail: "the NVMC stayed busy (READY 0); power-cycle the board and retry")
            }
            probe.sleep(pause)
            pause = min(pause * 2, .milliseconds(5))
        }
    }
}
