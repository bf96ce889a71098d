/// Cortex-M debug and system registers the shared debug layer touches (adiv5-cortexm-debug.md section 5).
public enum CortexM {
    public static let cpuid: UInt32 = 0xE000_ED00
    public static let aircr: UInt32 = 0xE000_ED0C
    public static let dfsr: UInt32 = 0xE000_ED30
    public static let dhcsr: UInt32 = 0xE000_EDF0
    public static let dcrsr: UInt32 = 0xE000_EDF4
    public static let dcrdr: UInt32 = 0xE000_EDF8
    public static let demcr: UInt32 = 0xE000_EDFC

    /// DHCSR writes need DBGKEY in bits 31:16 or they are ignored.
    public static let debugKey: UInt32 = 0xA05F_0000
    public static let cDebugEn: UInt32 = 1 << 0
    public static let cHalt: UInt32 = 1 << 1
    public static let cStep: UInt32 = 1 << 2
    public static let cMaskInts: UInt32 = 1 << 3
    public static let sRegReady: UInt32 = 1 << 16
    public static let sHalt: UInt32 = 1 << 17
    public static let sLockup: UInt32 = 1 << 19
    public static let sResetSticky: UInt32 = 1 << 25
    /// DCRSR.REGWnR: the transfer writes DCRDR into the register.
    public static let registerWrite: UInt32 = 1 << 16

    /// AIRCR: VECTKEY 0x05FA with SYSRESETREQ (bit 2), the value both peers write.
    public static let sysResetRequest: UInt32 = 0x05FA_0004
    /// DEMCR: TRCENA (bit 24) and VC_CORERESET (bit 0, halt on the reset vector).
    public static let trcEna: UInt32 = 1 << 24
    public static let vcCoreReset: UInt32 = 1 << 0
    /// DFSR bits (W1C): BKPT is bit 1.
    public static let dfsrBreakpoint: UInt32 = 1 << 1
}

/// DCRSR REGSEL numbers (adiv5-cortexm-debug.md section 5); ST-Link's READREG/WRITEREG use the same index.
public enum CortexMRegister: UInt8, Sendable, CaseIterable {
    case r0 = 0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12
    case sp = 13, lr = 14, pc = 15, xpsr = 16, msp = 17, psp = 18
    /// CONTROL/FAULTMASK/BASEPRI/PRIMASK packed.
    case special = 20
}
