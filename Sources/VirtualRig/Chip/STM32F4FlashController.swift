/// STM32F4 flash interface, RM0090 section 3 (3.5 erase and program, 3.8 registers).
///
/// Sector erase by CR.SNB over the chip's sector map (16/64/128 KiB from the YAML), mass erase, and programming
/// whose access width must match CR.PSIZE. Bits only go from 1 to 0 without an erase.
final class STM32F4FlashController: FlashController {
    enum Register {
        static let acr: UInt32 = 0x00, keyr: UInt32 = 0x04, optkeyr: UInt32 = 0x08, sr: UInt32 = 0x0C
        static let cr: UInt32 = 0x10, optcr: UInt32 = 0x14
    }

    /// FLASH_SR bits (RM0090 3.8.4).
    enum Status {
        static let eop: UInt32 = 1 << 0, operr: UInt32 = 1 << 1, wrperr: UInt32 = 1 << 4, pgaerr: UInt32 = 1 << 5
        static let pgperr: UInt32 = 1 << 6, pgserr: UInt32 = 1 << 7, bsy: UInt32 = 1 << 16
        static let clearable = eop | operr | wrperr | pgaerr | pgperr | pgserr
    }

    /// FLASH_CR bits (RM0090 3.8.5).
    enum Control {
        static let pg: UInt32 = 1 << 0, ser: UInt32 = 1 << 1, mer: UInt32 = 1 << 2
        static let snbShift: UInt32 = 3, snbMask: UInt32 = 0x1F << 3
        static let psizeShift: UInt32 = 8, psizeMask: UInt32 = 3 << 8
        static let mer1: UInt32 = 1 << 15, strt: UInt32 = 1 << 16, eopie: UInt32 = 1 << 24
        static let errie: UInt32 = 1 << 25, lock: UInt32 = 1 << 31
        static let writable = pg | ser | mer | snbMask | psizeMask | mer1 | eopie | errie
    }

    let registerBase: UInt32 = 0x4002_3C00
    let flash: FlashArray
    var protectedSectors: Set<Int> = []
    private let clock: ChipClock
    private var keys = FlashKeySequence()
    private var optionKeys = FlashKeySequence(first: STM32FlashKey.optionKey1F4, second: STM32FlashKey.optionKey2F4)
    private var control: UInt32 = 0
    private var status: UInt32 = 0
    private var acr: UInt32 = 0
    /// Factory option bytes: RDP level 0, no write protection (RM0090 3.7.1).
    private var optionControl: UInt32 = 0x0FFF_AAEC
    private var busy = FlashBusyTimer()

    init(flash: FlashArray, clock: ChipClock) {
        self.flash = flash
        self.clock = clock
    }

    func reset() {
        keys = FlashKeySequence()
        optionKeys = FlashKeySequence(first: STM32FlashKey.optionKey1F4, second: STM32FlashKey.optionKey2F4)
        control = 0
        status = 0
        acr = 0
        optionControl = 0x0FFF_AAEC
        busy.clear()
    }

    /// The access width CR.PSIZE asks for, in bytes: x8, x16, x32, x64.
    private var programWidth: Int { 1 << Int((control & Control.psizeMask) >> Control.psizeShift) }

    func readWord(_ offset: UInt32) -> UInt32? {
        let isBusy = busy.isBusy(clock)
        switch offset {
        case Register.acr: return acr
        case Register.sr: return status | (isBusy ? Status.bsy : 0)
        case Register.cr: return control | (keys.locked ? Control.lock : 0) | (isBusy ? Control.strt : 0)
        case Register.optcr: return optionControl | (optionKeys.locked ? 1 : 0)
        default: return 0
        }
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        switch offset {
        case Register.acr:
            acr = value & 0x1F07
        case Register.keyr:
            return keys.write(value)
        case Register.optkeyr:
            return optionKeys.write(value)
        case Register.sr:
            status &= ~(value & mask & Status.clearable)
        case Register.cr:
            writeControl(value & mask | readControlWord() & ~mask)
        case Register.optcr:
            if value & 1 != 0 { optionKeys.lock() }
            if !optionKeys.locked { optionControl = value & 0x0FFF_FFEC }
        default:
            break
        }
        return true
    }

    private func readControlWord() -> UInt32 { control | (keys.locked ? Control.lock : 0) }

    private func writeControl(_ value: UInt32) {
        if value & Control.lock != 0 {
            keys.lock()
            return
        }
        // While locked, CR ignores writes (RM0090 3.5.1).
        guard !keys.locked else { return }
        control = value & Control.writable
        guard value & Control.strt != 0, !busy.isBusy(clock) else { return }
        let sectorErase = control & Control.ser != 0
        let massErase = control & (Control.mer | Control.mer1) != 0
        // MER and SER together: nothing happens (RM0090 3.5.3).
        if sectorErase, massErase { return }
        if massErase {
            guard protectedSectors.isEmpty else { return setError(Status.wrperr) }
            flash.erase(flash.start, count: flash.size)
            finish(milliseconds: flash.region.massEraseMilliseconds ?? 8_000)
        } else if sectorErase {
            eraseSector(number: Int((control & Control.snbMask) >> Control.snbShift))
        }
    }

    /// SNB 0-11 are bank 1; dual-bank parts number bank 2 from 16 (RM0090 3.8.5), i.e. index 12 and up.
    private func eraseSector(number: Int) {
        let index = number >= 16 ? number - 4 : number
        let sectors = flash.region.sectorList
        guard index < sectors.count, number < 12 || number >= 16 else { return setError(Status.pgserr) }
        let sector = sectors[index]
        guard !protectedSectors.contains(index) else { return setError(Status.wrperr) }
        flash.erase(UInt32(truncatingIfNeeded: sector.start), count: Int(sector.size))
        finish(milliseconds: sector.eraseMilliseconds ?? 1_000)
    }

    func busWrite(address: UInt32, width: Int, value: UInt32) -> Bool {
        // A write to flash without PG (or while locked) is a programming sequence error (RM0090 3.8.4, PGSERR).
        guard !keys.locked, control & Control.pg != 0 else {
            setError(Status.pgserr)
            return true
        }
        guard width == programWidth else {
            setError(Status.pgperr)
            return true
        }
        guard address % UInt32(width) == 0, flash.contains(address), flash.contains(address + UInt32(width) - 1) else {
            setError(Status.pgaerr)
            return true
        }
        if let sector = flash.region.sector(containing: UInt64(address)), protectedSectors.contains(sector.index) {
            setError(Status.wrperr)
            return true
        }
        let old = flash.value(at: address, width: width)
        // NOR cells only go from 1 to 0 without an erase.
        let new = old & value
        flash.store(address, (0..<width).map { UInt8(truncatingIfNeeded: new >> (8 * UInt32($0))) })
        finish(milliseconds: (flash.region.programMicroseconds ?? 16) / 1_000)
        return true
    }

    private func setError(_ bit: UInt32) {
        status |= bit
    }

    private func finish(milliseconds: Double) {
        busy.start(milliseconds: milliseconds, clock: clock)
        // Unlike F1, EOP is only set when EOPIE is (RM0090 3.8.4).
        if control & Control.eopie != 0 { status |= Status.eop }
    }
}
