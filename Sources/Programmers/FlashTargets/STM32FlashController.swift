import BoardCatalog

/// The register map and sequences of the two STM32 flash controllers atelier programs
/// (reference/stm32-nrf-flash.md sections 1 and 2). Values only; `STM32FlashTarget` drives them.
public struct STM32FlashController: Sendable, Equatable {
    public enum Family: String, Sendable { case f1 = "stm32f1", f4 = "stm32f4" }

    public var family: Family
    public var base: UInt32

    public init?(name: String) {
        guard let family = Family(rawValue: name) else { return nil }
        self.family = family
        base = family == .f1 ? 0x4002_2000 : 0x4002_3C00
    }

    public var keyRegister: UInt32 { base + 0x04 }
    public var statusRegister: UInt32 { base + 0x0C }
    public var controlRegister: UInt32 { base + 0x10 }
    /// F1 only: the page address for PER.
    public var addressRegister: UInt32 { base + 0x14 }

    /// KEYR sequence, the same on both (F1 FLASH_KEYR, F4 FLASH_KEYR).
    public static let keys: [UInt32] = [0x4567_0123, 0xCDEF_89AB]

    /// CR.LOCK: bit 7 on F1, bit 31 on F4.
    public var lockBit: UInt32 { family == .f1 ? 1 << 7 : 1 << 31 }
    /// SR.BSY: bit 0 on F1, bit 16 on F4.
    public var busyBit: UInt32 { family == .f1 ? 1 << 0 : 1 << 16 }
    /// Error bits: F1 PGERR|WRPRTERR; F4 OPERR|WRPERR|PGAERR|PGPERR|PGSERR.
    public var errorBits: UInt32 { family == .f1 ? 0x14 : 0xF2 }
    /// The names of the error bits set in a FLASH_SR value, in bit order (reference/stm32-nrf-flash.md).
    public func errorNames(_ status: UInt32) -> [String] {
        let names: [(UInt32, String)] = family == .f1
            ? [(0x04, "PGERR"), (0x10, "WRPRTERR")]
            : [(0x02, "OPERR"), (0x10, "WRPERR"), (0x20, "PGAERR"), (0x40, "PGPERR"), (0x80, "PGSERR")]
        return names.filter { status & $0.0 != 0 }.map(\.1)
    }

    /// What to write to SR to clear every W1C flag (errors and EOP).
    public var clearFlags: UInt32 { family == .f1 ? 0x34 : 0xF3 }
    /// CR.STRT: bit 6 on F1, bit 16 on F4.
    var startBit: UInt32 { family == .f1 ? 1 << 6 : 1 << 16 }
    /// F4 CR.PSIZE = x32 (2 << 8): the loader programs words, which needs 2.7 V or more.
    static let psizeX32: UInt32 = 2 << 8

    /// CR value that selects an erase of `sector` (before STRT).
    public func eraseControl(sector: Sector) -> UInt32 {
        switch family {
        case .f1: return 1 << 1                                                   // PER
        case .f4: return 1 << 1 | UInt32(sector.index & 0xF) << 3 | Self.psizeX32 // SER | SNB | PSIZE
        }
    }

    /// CR value that selects a mass erase (before STRT): MER (bit 2) on both.
    public var massEraseControl: UInt32 { family == .f1 ? 1 << 2 : 1 << 2 | Self.psizeX32 }

    /// Where the debug unit freezes the watchdogs while the core is halted, and the bits that do it
    /// (stm32-nrf-flash.md section 3: F1 DBGMCU_CR IWDG/WWDG_STOP bits 8/9, F4 DBGMCU_APB1_FZ bits 11/12), so a
    /// watchdog the firmware started cannot reset the chip in the middle of a flash.
    public var watchdogFreeze: (register: UInt32, bits: UInt32) {
        family == .f1 ? (0xE004_2004, 1 << 8 | 1 << 9) : (0xE004_2008, 1 << 11 | 1 << 12)
    }

    /// The loader for this controller and the write unit it programs in.
    public var writeLoader: [UInt8] { family == .f1 ? STM32Loaders.stm32f1Write : STM32Loaders.stm32f4Write }
    public var writeUnit: Int { family == .f1 ? 2 : 4 }
}
