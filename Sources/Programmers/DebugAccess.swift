/// What `atelier run`, `reset` and `read` need from a debug probe: target memory, core registers and run control.
/// ST-Link implements it today; a CMSIS-DAP driver would too, so the console code is written once.
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

extension STLinkProbe: DebugAccess {
    public func debugStatus() throws -> UInt32 { try readDebugRegister(CortexM.dhcsr) }
}
