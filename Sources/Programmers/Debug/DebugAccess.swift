/// What `atelier run`, `reset` and `read` need from a debug probe: target memory, core registers and run control.
/// Every `DebugProbe` provides it through the shared Cortex-M layer, so the console code is written once.
public protocol DebugAccess: AnyObject {
    func readMemory(_ address: UInt32, count: Int) throws -> [UInt8]
    func writeMemory(_ address: UInt32, _ bytes: [UInt8]) throws
    func readCoreRegister(_ register: CortexMRegister) throws -> UInt32
    /// Several core registers at once, in the order asked; a probe that can read them in one transfer does.
    func readCoreRegisters(_ registers: [CortexMRegister]) throws -> [UInt32]
    func writeCoreRegister(_ register: CortexMRegister, _ value: UInt32) throws
    /// DHCSR, so the caller can see S_HALT, S_LOCKUP and S_RESET_ST in one read.
    func debugStatus() throws -> UInt32
    func halt() throws
    func run(maskInterrupts: Bool) throws
    /// A system reset; with `halt`, the core stops on its reset vector.
    func reset(halt: Bool) throws
}

extension DebugAccess {
    /// One read per register, for probes without a bulk register read.
    public func readCoreRegisters(_ registers: [CortexMRegister]) throws -> [UInt32] {
        try registers.map { try readCoreRegister($0) }
    }
}

/// The small surface a probe driver implements so that the shared ADIv5 / Cortex-M layer (run control, core
/// registers, chip identification, flash targets, console) runs over it: words and blocks of target memory through
/// the MEM-AP. ST-Link carries them in its own memory commands, CMSIS-DAP in DP/AP register transfers.
///
/// Core registers, `debugStatus`, run control and reset have default implementations over `read32`/`write32`
/// (`DebugProbe+CortexM.swift`); a probe with a native shortcut (ST-Link's READREG) overrides them.
public protocol DebugProbe: DebugAccess {
    /// The SW-DP IDCODE read at connect, nil before.
    var dpIDCode: UInt32? { get }
    /// How to wait between polls; injectable so unit tests need not sleep.
    var sleep: (Duration) -> Void { get }
    func read32(_ address: UInt32) throws -> UInt32
    func write32(_ address: UInt32, _ value: UInt32) throws
    /// `checked: false` lets a probe skip asking for each transfer's bus status, for RAM atelier already wrote and
    /// read successfully (its routines' parameters), where a fault would show in the results.
    func readMemory(_ address: UInt32, count: Int, checked: Bool) throws -> [UInt8]
    func writeMemory(_ address: UInt32, _ bytes: [UInt8], checked: Bool) throws
}

/// A driver error that can say whether the target's bus refused an access (the address's fault, not the wiring's),
/// so the shared layer can treat an unmapped identity register as absent.
public protocol DebugProbeError: Error {
    var isMemoryFault: Bool { get }
}

extension DebugProbe {
    public func readMemory(_ address: UInt32, count: Int, checked: Bool) throws -> [UInt8] {
        try readMemory(address, count: count)
    }

    public func writeMemory(_ address: UInt32, _ bytes: [UInt8], checked: Bool) throws {
        try writeMemory(address, bytes)
    }
}
