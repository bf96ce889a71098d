/// The identification registers every CoreSight component has in its last 48 bytes (ADIv5 C11.2):
/// PIDR4-7 at 0xFD0, PIDR0-3 at 0xFE0, CIDR0-3 at 0xFF0.
struct CoreSightIdentity {
    /// PIDR2..PIDR0 packed as J-Link prints them (0x001BB000 = SCS of a Cortex-M3 r1p1).
    let peripheralID: UInt32
    /// CIDR1[7:4]: 0x1 ROM table, 0x9 CoreSight, 0xE generic IP.
    let componentClass: UInt32

    /// The register at an offset in 0xFD0..0xFFF, or nil below.
    func register(_ offset: UInt32) -> UInt32? {
        switch offset {
        case 0xFD0: return 0x04  // PIDR4: JEP106 continuation code 4 (ARM), 4 KiB block.
        case 0xFD4...0xFDC: return 0
        case 0xFE0: return peripheralID & 0xFF
        case 0xFE4: return (peripheralID >> 8) & 0xFF
        case 0xFE8: return (peripheralID >> 16) & 0xFF
        case 0xFEC: return 0
        case 0xFF0: return 0x0D
        case 0xFF4: return componentClass << 4
        case 0xFF8: return 0x05
        case 0xFFC: return 0xB1
        default: return nil
        }
    }
}

/// A debug component on the private peripheral bus that software sees mostly as storage: the ROM table,
/// DWT, FPB, ITM and TPIU. Each answers its identification registers and the few values probes read first.
final class CoreSightComponent: MMIODevice {
    enum Kind {
        case romTable, dwt, fpb, itm, tpiu
    }

    let kind: Kind
    private let identity: CoreSightIdentity
    private let registers = RegisterFile()
    /// DWT_CYCCNT in cycles; it moves by `cyclesPerRead` on each read (no cycle-exact clock).
    private var cycleCount: UInt32 = 0
    private var fpbEnabled = false
    var cyclesPerRead: UInt32 = 8
    /// FPB only: the instruction addresses the enabled code comparators match, after every FP_CTRL/FP_COMP write.
    var onBreakpointsChanged: ((Set<UInt32>) -> Void)?

    init(kind: Kind, identity: CoreSightIdentity) {
        self.kind = kind
        self.identity = identity
    }

    func reset() {
        // Debug components are reset by a power-on reset only (ARMv7-M C1.4); the rig keeps them.
    }

    func readWord(_ offset: UInt32) -> UInt32? {
        if let value = identity.register(offset) { return value }
        switch (kind, offset) {
        case (.romTable, _):
            return romTableEntry(offset)
        case (.dwt, 0x000):
            // NUMCOMP = 4 comparators, no trace sampling, profiling counters present (ARMv7-M C1.8.7).
            return 0x4000_0000 | (registers.readWord(0) ?? 0) & 0x1
        case (.dwt, 0x004):
            cycleCount &+= cyclesPerRead
            return cycleCount
        case (.fpb, 0x000):
            // NUM_CODE = 6, NUM_LIT = 2 (FP_CTRL, ARMv7-M C1.11.3), KEY reads as 0.
            return 0x0000_0260 | (fpbEnabled ? 1 : 0)
        case (.itm, 0x000..<0x100):
            // Stimulus ports read 1: FIFO ready.
            return 1
        default:
            return registers.readWord(offset)
        }
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        switch (kind, offset) {
        case (.romTable, _):
            return true
        case (.dwt, 0x004):
            cycleCount = value
        case (.fpb, 0x000):
            // FP_CTRL.ENABLE only changes when KEY (bit 1) is written as 1.
            if value & 0x2 != 0 { fpbEnabled = value & 0x1 != 0 }
            onBreakpointsChanged?(breakpoints)
        case (.fpb, 0x008..<0x020):
            _ = registers.writeWord(offset, value: value, mask: mask)
            onBreakpointsChanged?(breakpoints)
        default:
            return registers.writeWord(offset, value: value, mask: mask)
        }
        return true
    }

    /// FPB version 1 code comparators (ARMv7-M C1.11.5): COMP[28:2] is the word, REPLACE[31:30] picks the
    /// half-word (01 lower, 10 upper, 11 both), ENABLE is bit 0. Only the six code comparators break.
    private var breakpoints: Set<UInt32> {
        guard fpbEnabled else { return [] }
        var result: Set<UInt32> = []
        for index in 0..<6 {
            let comparator = registers.readWord(0x008 + UInt32(index) * 4) ?? 0
            guard comparator & 1 != 0 else { continue }
            let word = comparator & 0x1FFF_FFFC
            let replace = comparator >> 30
            if replace & 1 != 0 { result.insert(word) }
            if replace & 2 != 0 { result.insert(word + 2) }
        }
        return result
    }

    /// Cortex-M3/M4 ROM table at 0xE00FF000 (ARMv7-M C1.2.1): SCS, DWT, FPB, ITM, TPIU, no ETM, end.
    private func romTableEntry(_ offset: UInt32) -> UInt32 {
        switch offset {
        case 0x000: return 0xFFF0_F003
        case 0x004: return 0xFFF0_2003
        case 0x008: return 0xFFF0_3003
        case 0x00C: return 0xFFF0_1003
        case 0x010: return 0xFFF4_1003
        case 0x014: return 0xFFF4_2002
        case 0xFCC: return 0x1  // MEMTYPE: system memory present on this bus.
        default: return 0
        }
    }
}
