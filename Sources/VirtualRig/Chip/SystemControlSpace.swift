import BoardCatalog

/// The System Control Space at 0xE000E000 (ARMv7-M B3.2, C1.6): CPUID, VTOR, AIRCR, fault status, SysTick,
/// and the halting-debug registers DHCSR, DCRSR, DCRDR and DEMCR, whose behaviour lives in `VirtualChip`.
final class SystemControlSpace: MMIODevice {
    enum Register {
        static let cpuid: UInt32 = 0xD00, icsr: UInt32 = 0xD04, vtor: UInt32 = 0xD08, aircr: UInt32 = 0xD0C
        static let cfsr: UInt32 = 0xD28, hfsr: UInt32 = 0xD2C, dfsr: UInt32 = 0xD30
        static let dhcsr: UInt32 = 0xDF0, dcrsr: UInt32 = 0xDF4, dcrdr: UInt32 = 0xDF8, demcr: UInt32 = 0xDFC
        static let mvfr0: UInt32 = 0xF40, mvfr1: UInt32 = 0xF44
    }

    /// CPUID per core (ARMv7-M B4.1.2): M3 r1p1 as on STM32F103, M4 r0p1 as on STM32F4 and nRF52.
    static func cpuid(for core: Core) -> UInt32 {
        switch core {
        case .cortexM0: return 0x410C_C200
        case .cortexM0Plus: return 0x410C_C601
        case .cortexM3: return 0x411F_C231
        case .cortexM4, .cortexM4F: return 0x410F_C241
        case .cortexM7: return 0x411F_C270
        case .cortexM33: return 0x410F_D213
        case .avr5, .rv32imac: return 0
        }
    }

    /// SCS peripheral IDs (PIDR2..0): M3 r1p1 and M4 as J-Link reads them on STM32F103 and STM32F413.
    static func identity(for core: Core) -> CoreSightIdentity {
        switch core {
        case .cortexM4, .cortexM4F, .cortexM7: return CoreSightIdentity(peripheralID: 0x000B_B00C, componentClass: 0xE)
        case .cortexM0, .cortexM0Plus: return CoreSightIdentity(peripheralID: 0x000B_B008, componentClass: 0xE)
        default: return CoreSightIdentity(peripheralID: 0x001B_B000, componentClass: 0xE)
        }
    }

    unowned let chip: VirtualChip
    let sysTick: SysTick
    private let core: Core
    private let identity: CoreSightIdentity
    private let registers = RegisterFile()
    var vtor: UInt32 = 0
    private var priorityGroup: UInt32 = 0
    private var configurableFaults: UInt32 = 0
    private var hardFaults: UInt32 = 0

    init(chip: VirtualChip, core: Core, sysTick: SysTick) {
        self.chip = chip
        self.core = core
        self.sysTick = sysTick
        identity = Self.identity(for: core)
    }

    /// A system reset: everything but the debug registers (ARMv7-M B1.5.5, C1.4.1).
    func reset() {
        registers.reset()
        sysTick.reset()
        vtor = 0
        priorityGroup = 0
        configurableFaults = 0
        hardFaults = 0
    }

    func readWord(_ offset: UInt32) -> UInt32? {
        if let value = identity.register(offset) { return value }
        switch offset {
        case 0x004: return 0x1  // ICTR: up to 64 interrupt lines.
        case 0x010..<0x020: return sysTick.readWord(offset - 0x010)
        case Register.cpuid: return Self.cpuid(for: core)
        // VECTACTIVE: the exception being handled.
        case Register.icsr: return chip.activeException
        case Register.vtor: return vtor
        // Reads give VECTKEYSTAT 0xFA05 and little-endian (ARMv7-M B3.2.6).
        case Register.aircr: return 0xFA05_0000 | priorityGroup << 8
        case Register.cfsr: return configurableFaults
        case Register.hfsr: return hardFaults
        case Register.dfsr: return chip.dfsr
        case Register.dhcsr: return chip.readDHCSR()
        case Register.dcrsr: return 0
        case Register.dcrdr: return chip.dcrdr
        case Register.demcr: return chip.demcr
        // FPv4-SP on a Cortex-M4F, as OpenOCD checks to detect it (ARMv7-M B4.6).
        case Register.mvfr0: return core == .cortexM4F ? 0x1011_0021 : 0
        case Register.mvfr1: return core == .cortexM4F ? 0x1100_0011 : 0
        default: return registers.readWord(offset)
        }
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        switch offset {
        case 0x010..<0x020:
            return sysTick.writeWord(offset - 0x010, value: value, mask: mask)
        case Register.cpuid:
            break
        case Register.icsr:
            // PENDSVSET (bit 28) and PENDSTSET (bit 26) make PendSV and SysTick pending (ARMv7-M B3.2.4).
            if value & (1 << 28) != 0 { chip.pend(VirtualChip.Exception.pendSV) }
            if value & (1 << 26) != 0 { chip.pend(VirtualChip.Exception.sysTick) }
        case Register.vtor:
            vtor = value & 0xFFFF_FF80
        case Register.aircr:
            writeAIRCR(value)
        case Register.cfsr:
            configurableFaults &= ~value
        case Register.hfsr:
            hardFaults &= ~value
        case Register.dfsr:
            chip.dfsr &= ~(value & 0x1F)
        case Register.dhcsr:
            // Software cannot drive halting debug (ARMv7-M C1.6.2); only a probe's writes count.
            if !chip.coreAccess { chip.writeDHCSR(value) }
        case Register.dcrsr:
            if !chip.coreAccess { chip.transferCoreRegister(value) }
        case Register.dcrdr:
            chip.dcrdr = value
        case Register.demcr:
            let implemented: UInt32 = core.isARMv6M ? 0x0100_0401 : 0x010F_07F1
            chip.demcr = value & implemented
        default:
            return registers.writeWord(offset, value: value, mask: mask)
        }
        return true
    }

    /// A bus fault escalated to HardFault: CFSR IBUSERR, or PRECISERR with BFAR valid, and HFSR.FORCED.
    func recordBusFault(address: UInt32, fetch: Bool) {
        if fetch {
            configurableFaults |= 1 << 8
        } else {
            configurableFaults |= 1 << 9 | 1 << 15
            _ = registers.writeWord(0xD38, value: address, mask: 0xFFFF_FFFF)
        }
        hardFaults |= 1 << 30
    }

    /// AIRCR needs VECTKEY 0x05FA in the upper half; SYSRESETREQ (bit 2) or VECTRESET (bit 0) resets the chip.
    private func writeAIRCR(_ value: UInt32) {
        guard value >> 16 == 0x05FA else { return }
        priorityGroup = (value >> 8) & 0x7
        if value & 0x5 != 0 { chip.requestReset() }
    }
}
