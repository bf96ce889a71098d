/// The nRF52 non-volatile memory controller (NVMC, nRF52840 PS 4.3): CONFIG selects read-only, write or erase;
/// only aligned 32-bit writes program (1 to 0 only), ERASEPAGE and ERASEALL erase; READY reads 0 while busy.
final class NRF52FlashController: FlashController {
    enum Register {
        static let ready: UInt32 = 0x400, readyNext: UInt32 = 0x408, config: UInt32 = 0x504
        static let erasePage: UInt32 = 0x508, eraseAll: UInt32 = 0x50C, erasePageLegacy: UInt32 = 0x510
        static let eraseUICR: UInt32 = 0x514
    }

    /// CONFIG.WEN values.
    enum Mode {
        static let readOnly: UInt32 = 0, write: UInt32 = 1, erase: UInt32 = 2
    }

    let registerBase: UInt32 = 0x4001_E000
    let flash: FlashArray
    var protectedSectors: Set<Int> = []
    /// Erases UICR (ERASEALL and ERASEUICR), which the chip keeps outside the main flash array.
    var eraseUICR: (() -> Void)?
    private let clock: ChipClock
    private var config: UInt32 = Mode.readOnly
    private var busy = FlashBusyTimer()

    init(flash: FlashArray, clock: ChipClock) {
        self.flash = flash
        self.clock = clock
    }

    func reset() {
        config = Mode.readOnly
        busy.clear()
    }

    func readWord(_ offset: UInt32) -> UInt32? {
        switch offset {
        case Register.ready, Register.readyNext: return busy.isBusy(clock) ? 0 : 1
        case Register.config: return config
        default: return 0
        }
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        switch offset {
        case Register.config:
            config = value & 0x3
        case Register.erasePage, Register.erasePageLegacy:
            guard config == Mode.erase, let sector = flash.region.sector(containing: UInt64(value)),
                  !protectedSectors.contains(sector.index) else { return true }
            flash.erase(UInt32(truncatingIfNeeded: sector.start), count: Int(sector.size))
            busy.start(milliseconds: sector.eraseMilliseconds ?? 85, clock: clock)
        case Register.eraseAll:
            guard config == Mode.erase, value & 1 != 0, protectedSectors.isEmpty else { return true }
            flash.erase(flash.start, count: flash.size)
            eraseUICR?()
            busy.start(milliseconds: flash.region.massEraseMilliseconds ?? 169, clock: clock)
        case Register.eraseUICR:
            guard config == Mode.erase, value & 1 != 0 else { return true }
            eraseUICR?()
            busy.start(milliseconds: 85, clock: clock)
        default:
            break
        }
        return true
    }

    func busWrite(address: UInt32, width: Int, value: UInt32) -> Bool {
        // Byte and half-word writes to flash are a bus fault (PS 4.3.2); without WEN the write is dropped.
        guard width == 4, address & 3 == 0 else { return false }
        guard config == Mode.write else { return true }
        if let sector = flash.region.sector(containing: UInt64(address)), protectedSectors.contains(sector.index) {
            return true
        }
        let new = flash.value(at: address, width: 4) & value
        flash.store(address, (0..<4).map { UInt8(truncatingIfNeeded: new >> (8 * UInt32($0))) })
        busy.start(milliseconds: (flash.region.programMicroseconds ?? 41) / 1_000, clock: clock)
        return true
    }
}
