/// STM32F1 flash program/erase controller (FPEC), RM0008 section 3 and PM0075.
///
/// Half-word programming only; page erase by FLASH_AR and mass erase, both started by CR.STRT. BSY stays set for
/// the datasheet time scaled by the chip clock (DS5319: t_prog 52.5 us, t_ERASE 20 ms).
final class STM32F1FlashController: FlashController {
    enum Register {
        static let acr: UInt32 = 0x00, keyr: UInt32 = 0x04, optkeyr: UInt32 = 0x08, sr: UInt32 = 0x0C
        static let cr: UInt32 = 0x10, ar: UInt32 = 0x14, obr: UInt32 = 0x1C, wrpr: UInt32 = 0x20
    }

    /// FLASH_SR bits (RM0008 3.4.4).
    enum Status {
        static let bsy: UInt32 = 1 << 0, pgerr: UInt32 = 1 << 2, wrprterr: UInt32 = 1 << 4, eop: UInt32 = 1 << 5
    }

    /// FLASH_CR bits (RM0008 3.4.5).
    enum Control {
        static let pg: UInt32 = 1 << 0, per: UInt32 = 1 << 1, mer: UInt32 = 1 << 2, optpg: UInt32 = 1 << 4
        static let opter: UInt32 = 1 << 5, strt: UInt32 = 1 << 6, lock: UInt32 = 1 << 7, optwre: UInt32 = 1 << 9
        static let errie: UInt32 = 1 << 10, eopie: UInt32 = 1 << 12
        static let writable = pg | per | mer | optpg | opter | errie | eopie
    }

    let registerBase: UInt32 = 0x4002_2000
    let flash: FlashArray
    var protectedSectors: Set<Int> = []
    private let clock: ChipClock
    private var keys = FlashKeySequence()
    private var optionKeys = FlashKeySequence()
    private var control: UInt32 = 0
    private var status: UInt32 = 0
    private var address: UInt32 = 0
    private var acr: UInt32 = 0x30
    private var busy = FlashBusyTimer()

    init(flash: FlashArray, clock: ChipClock) {
        self.flash = flash
        self.clock = clock
    }

    func reset() {
        keys = FlashKeySequence()
        optionKeys = FlashKeySequence()
        control = 0
        status = 0
        address = 0
        acr = 0x30
        busy.clear()
    }

    func readWord(_ offset: UInt32) -> UInt32? {
        let isBusy = busy.isBusy(clock)
        switch offset {
        case Register.acr: return acr
        case Register.keyr, Register.optkeyr: return 0
        case Register.sr: return status | (isBusy ? Status.bsy : 0)
        case Register.cr:
            let lock = keys.locked ? Control.lock : 0
            let optwre = optionKeys.locked ? 0 : Control.optwre
            return control | lock | optwre | (isBusy ? Control.strt : 0)
        case Register.ar: return address
        // No read protection, option bytes at their factory values (RM0008 3.4.7).
        case Register.obr: return 0x03FF_FFFC
        case Register.wrpr: return 0xFFFF_FFFF
        default: return 0
        }
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        switch offset {
        case Register.acr:
            acr = value & 0x1F | acr & 0x20
        case Register.keyr:
            return keys.write(value)
        case Register.optkeyr:
            return keys.locked ? false : optionKeys.write(value)
        case Register.sr:
            // PGERR, WRPRTERR and EOP are cleared by writing 1 (RM0008 3.4.4).
            status &= ~(value & (Status.pgerr | Status.wrprterr | Status.eop))
        case Register.cr:
            writeControl(value)
        case Register.ar:
            if !keys.locked { address = value }
        default:
            break
        }
        return true
    }

    private func writeControl(_ value: UInt32) {
        if value & Control.lock != 0 {
            keys.lock()
            optionKeys.lock()
        }
        // While locked, CR ignores everything but LOCK (RM0008 3.3.1).
        guard !keys.locked else { return }
        if value & Control.optwre == 0 { optionKeys.lock() }
        control = value & Control.writable
        guard value & Control.strt != 0, !busy.isBusy(clock) else { return }
        if control & Control.mer != 0 {
            guard protectedSectors.isEmpty else { return setError(Status.wrprterr) }
            flash.erase(flash.start, count: flash.size)
            finish(milliseconds: flash.region.massEraseMilliseconds ?? 20)
        } else if control & Control.per != 0 {
            guard let sector = flash.region.sector(containing: UInt64(address)) else { return }
            guard !protectedSectors.contains(sector.index) else { return setError(Status.wrprterr) }
            flash.erase(UInt32(truncatingIfNeeded: sector.start), count: Int(sector.size))
            finish(milliseconds: sector.eraseMilliseconds ?? 20)
        }
    }

    func busWrite(address: UInt32, width: Int, value: UInt32) -> Bool {
        // Without PG the array is read-only: the write is dropped (RM0008 3.3.3).
        guard !keys.locked, control & Control.pg != 0 else { return true }
        switch width {
        case 2:
            programHalfWord(address, UInt16(truncatingIfNeeded: value))
        case 4:
            // The bus matrix splits a word write into two half-word writes.
            programHalfWord(address, UInt16(truncatingIfNeeded: value))
            programHalfWord(address + 2, UInt16(truncatingIfNeeded: value >> 16))
        default:
            // Only half-word programming exists on F1 (PM0075 2.3.3).
            setError(Status.pgerr)
        }
        return true
    }

    private func programHalfWord(_ target: UInt32, _ data: UInt16) {
        guard target & 1 == 0, flash.contains(target), flash.contains(target + 1) else { return setError(Status.pgerr) }
        if let sector = flash.region.sector(containing: UInt64(target)), protectedSectors.contains(sector.index) {
            return setError(Status.wrprterr)
        }
        let old = UInt16(truncatingIfNeeded: flash.value(at: target, width: 2))
        // A half-word that is not erased can only be overwritten with 0 (RM0008 3.3.3, PGERR).
        guard old == 0xFFFF || data == 0 else { return setError(Status.pgerr) }
        flash.store(target, [UInt8(data & 0xFF), UInt8(data >> 8)])
        finish(milliseconds: (flash.region.programMicroseconds ?? 52.5) / 1_000)
    }

    private func setError(_ bit: UInt32) {
        status |= bit
    }

    private func finish(milliseconds: Double) {
        busy.start(milliseconds: milliseconds, clock: clock)
        status |= Status.eop
    }
}
