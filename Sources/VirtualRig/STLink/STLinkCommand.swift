/// The ST-Link V2 command bytes the rig answers: byte 0 of every 16-byte command block (`stlink.md` section 3)
/// and, after DEBUG_COMMAND, byte 1 (section 4). In the sheet's order.
enum STLinkCommand {
    static let getVersion: UInt8 = 0xF1
    static let debug: UInt8 = 0xF2
    static let dfu: UInt8 = 0xF3
    static let swim: UInt8 = 0xF4
    static let getCurrentMode: UInt8 = 0xF5
    static let getTargetVoltage: UInt8 = 0xF7
    /// V3 only; a V2 answers it anyway with the V2 numbers (section 3, 12-byte reply).
    static let getVersionEx: UInt8 = 0xFB

    /// DFU_COMMAND sub-command: leave the probe's own DFU mode.
    static let dfuExit: UInt8 = 0x07
    /// SWIM_COMMAND sub-command: leave SWIM mode.
    static let swimExit: UInt8 = 0x01
}

/// DEBUG_COMMAND (0xF2) sub-commands, `stlink.md` section 4.
enum STLinkDebugCommand {
    static let getStatus: UInt8 = 0x01
    static let forceDebug: UInt8 = 0x02
    static let resetSysV1: UInt8 = 0x03
    static let readAllRegsV1: UInt8 = 0x04
    static let readRegV1: UInt8 = 0x05
    static let writeRegV1: UInt8 = 0x06
    static let readMem32: UInt8 = 0x07
    static let writeMem32: UInt8 = 0x08
    static let runCore: UInt8 = 0x09
    static let stepCore: UInt8 = 0x0A
    static let readMem8: UInt8 = 0x0C
    static let writeMem8: UInt8 = 0x0D
    static let writeDebugRegV1: UInt8 = 0x0F
    static let enterV1: UInt8 = 0x20
    static let exit: UInt8 = 0x21
    static let readCoreID: UInt8 = 0x22
    static let enter: UInt8 = 0x30
    static let readIDCodes: UInt8 = 0x31
    static let resetSys: UInt8 = 0x32
    static let readReg: UInt8 = 0x33
    static let writeReg: UInt8 = 0x34
    static let writeDebugReg: UInt8 = 0x35
    static let readDebugReg: UInt8 = 0x36
    static let readAllRegs: UInt8 = 0x3A
    static let getLastRWStatus: UInt8 = 0x3B
    static let driveNRST: UInt8 = 0x3C
    static let getLastRWStatus2: UInt8 = 0x3E
    static let startTraceRX: UInt8 = 0x40
    static let stopTraceRX: UInt8 = 0x41
    static let getTraceCount: UInt8 = 0x42
    static let swdSetFrequency: UInt8 = 0x43
    static let jtagSetFrequency: UInt8 = 0x44
    static let readDAPRegister: UInt8 = 0x45
    static let writeDAPRegister: UInt8 = 0x46
    static let readMem16: UInt8 = 0x47
    static let writeMem16: UInt8 = 0x48
    static let initAP: UInt8 = 0x4B
    static let closeAP: UInt8 = 0x4C
    static let writeMem32NoIncrement: UInt8 = 0x50
    static let readMem32NoIncrement: UInt8 = 0x54

    /// APIV2_ENTER's byte 2: SWD without reset (the only transport the rig's chips have).
    static let enterSWD: UInt8 = 0xA3
    /// APIV2_ENTER's byte 2: JTAG without reset, and JTAG with reset.
    static let enterJTAG: Set<UInt8> = [0xA4, 0x00]
}
