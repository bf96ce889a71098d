import BoardCatalog

/// The nRF52 non-volatile memory controller (NVMC, nRF52840 PS 4.3): CONFIG selects read-only, write or erase;
/// only aligned 32-bit writes program (1 to 0 only), ERASEPAGE, ERASEPAGEPARTIAL, ERASEALL and ERASEUICR erase;
/// READY reads 0 while busy.
///
/// The same rules hold for UICR, which the chip keeps outside the main array (`programmedWord` decides a UICR
/// word too). An operation that arrives while the NVMC is busy waits for it, as the bus stalls on the part: it
/// ends one operation time after the previous one.
final class NRF52FlashController: FlashController {
    enum Register {
        static let ready: UInt32 = 0x400, readyNext: UInt32 = 0x408, config: UInt32 = 0x504
        static let erasePage: UInt32 = 0x508, eraseAll: UInt32 = 0x50C, erasePageLegacy: UInt32 = 0x510
        static let eraseUICR: UInt32 = 0x514, erasePagePartial: UInt32 = 0x518
        static let erasePagePartialConfig: UInt32 = 0x51C
    }

    /// CONFIG.WEN values.
    enum Mode {
        static let readOnly: UInt32 = 0, write: UInt32 = 1, erase: UInt32 = 2
    }

    /// Datasheet times (PS 4.3, electrical specification) for chip files that give none.
    enum Timing {
        static let writeMicroseconds = 41.0, erasePageMilliseconds = 85.0, eraseAllMilliseconds = 169.0
        /// ERASEPAGEPARTIALCFG's reset value: each partial erase lasts 10 ms.
        static let partialEraseMilliseconds: UInt32 = 10
    }

    let registerBase: UInt32 = 0x4001_E000
    let flash: FlashArray
    var protectedSectors: Set<Int> = []
    /// Erases UICR (ERASEALL and ERASEUICR), which the chip keeps outside the main flash array.
    var eraseUICR: (() -> Void)?
    private let clock: ChipClock
    private var config: UInt32 = Mode.readOnly
    private var partialEraseMilliseconds = Timing.partialEraseMilliseconds
    /// Milliseconds of partial erase each page has had since it was last erased.
    private var partialErase: [Int: Double] = [:]
    private var busy = FlashBusyTimer()

    init(flash: FlashArray, clock: ChipClock) {
        self.flash = flash
        self.clock = clock
    }

    func reset() {
        config = Mode.readOnly
        partialEraseMilliseconds = Timing.partialEraseMilliseconds
        busy.clear()
    }

    func readWord(_ offset: UInt32) -> UInt32? {
        switch offset {
        case Register.ready, Register.readyNext: return busy.isBusy(clock) ? 0 : 1
        case Register.config: return config
        case Register.erasePagePartialConfig: return partialEraseMilliseconds
        default: return 0
        }
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        switch offset {
        case Register.config:
            config = value & 0x3
        case Register.erasePage, Register.erasePageLegacy:
            guard config == Mode.erase, let sector = unprotectedSector(containing: value) else { return true }
            erase(sector)
            busy.queue(milliseconds: sector.eraseMilliseconds ?? Timing.erasePageMilliseconds, clock: clock)
        case Register.erasePagePartial:
            // Each partial erase adds ERASEPAGEPARTIALCFG ms; the page is erased once they add up to t_ERASEPAGE.
            guard config == Mode.erase, let sector = unprotectedSector(containing: value) else { return true }
            let step = Double(partialEraseMilliseconds)
            let total = (partialErase[sector.index] ?? 0) + step
            if total >= sector.eraseMilliseconds ?? Timing.erasePageMilliseconds {
                erase(sector)
            } else {
                partialErase[sector.index] = total
            }
            busy.queue(milliseconds: step, clock: clock)
        case Register.erasePagePartialConfig:
            partialEraseMilliseconds = value & 0x7F
        case Register.eraseAll:
            guard config == Mode.erase, value & 1 != 0, protectedSectors.isEmpty else { return true }
            flash.erase(flash.start, count: flash.size)
            partialErase.removeAll()
            eraseUICR?()
            busy.queue(milliseconds: flash.region.massEraseMilliseconds ?? Timing.eraseAllMilliseconds, clock: clock)
        case Register.eraseUICR:
            guard config == Mode.erase, value & 1 != 0 else { return true }
            eraseUICR?()
            busy.queue(milliseconds: Timing.erasePageMilliseconds, clock: clock)
        default:
            break
        }
        return true
    }

    func busWrite(address: UInt32, width: Int, value: UInt32) -> Bool {
        // Byte and half-word writes to flash are a bus fault (PS 4.3.2).
        guard width == 4, address & 3 == 0 else { return false }
        if let sector = flash.region.sector(containing: UInt64(address)), protectedSectors.contains(sector.index) {
            return true
        }
        guard let new = programmedWord(old: flash.value(at: address, width: 4), value: value) else { return true }
        flash.store(address, (0..<4).map { UInt8(truncatingIfNeeded: new >> (8 * UInt32($0))) })
        return true
    }

    /// What an aligned 32-bit write leaves in a flash or UICR word: with CONFIG = Wen, bits only go from 1 to 0
    /// (PS 4.3.1, "only zeros can be written"); with any other CONFIG the write is ignored (nil).
    func programmedWord(old: UInt32, value: UInt32) -> UInt32? {
        guard config == Mode.write else { return nil }
        busy.queue(milliseconds: (flash.region.programMicroseconds ?? Timing.writeMicroseconds) / 1_000, clock: clock)
        return old & value
    }

    private func unprotectedSector(containing address: UInt32) -> Sector? {
        guard let sector = flash.region.sector(containing: UInt64(address)),
              !protectedSectors.contains(sector.index) else { return nil }
        return sector
    }

    private func erase(_ sector: Sector) {
        flash.erase(UInt32(truncatingIfNeeded: sector.start), count: Int(sector.size))
        partialErase[sector.index] = nil
    }
}
