import BoardCatalog
import CUnicorn

/// One Cortex-M core in Unicorn's Thumb M-class mode: memory maps, MMIO windows, registers and bounded runs.
///
/// This type is only the engine; what the chip does around it (halting, debug, peripherals) is `VirtualChip`.
/// Unicorn calls back on the thread that runs it, through `@convention(c)` functions that get this object back
/// from an unretained context pointer (the object outlives the engine it closes in `deinit`).
final class CortexMCore {
    /// Unicorn's page size: every mapping starts and ends on it.
    static let pageSize: UInt32 = 0x1000

    let core: Core
    let engine: OpaquePointer
    /// The Unicorn CPU context just after creation, restored on every reset.
    private var initialContext: OpaquePointer?
    private var hooks: [uc_hook] = []

    /// A BKPT or other exception the engine raised; set by the interrupt hook, read after the run stops.
    var exception: UInt32?
    /// The access that stopped the engine on unmapped or read-protected memory: (fetch?, address).
    var invalidAccess: (fetch: Bool, write: Bool, address: UInt32)?
    /// The FPB breakpoint address the core stopped at (before executing it), set by the code hook.
    var breakpointHit: UInt32?
    private var breakpointHooks: [UInt32: uc_hook] = [:]
    /// Serves MMIO accesses inside the mapped windows: (address, width) -> value, and writes.
    var mmioRead: ((UInt32, Int) -> UInt32)?
    var mmioWrite: ((UInt32, Int, UInt32) -> Void)?
    /// Called for a core store into read-only memory (flash): (address, width, value).
    var protectedWrite: ((UInt32, Int, UInt32) -> Void)?

    init(core: Core) throws {
        let model: Int32
        switch core {
        case .cortexM0, .cortexM0Plus: model = Int32(UC_CPU_ARM_CORTEX_M0.rawValue)
        case .cortexM3: model = Int32(UC_CPU_ARM_CORTEX_M3.rawValue)
        case .cortexM4, .cortexM4F: model = Int32(UC_CPU_ARM_CORTEX_M4.rawValue)
        case .cortexM7: model = Int32(UC_CPU_ARM_CORTEX_M7.rawValue)
        case .cortexM33: model = Int32(UC_CPU_ARM_CORTEX_M33.rawValue)
        case .avr5, .rv32imac: throw ChipError.unsupportedCore(core.rawValue)
        }
        self.core = core
        guard cunicorn_available() == 1 else {
            throw ChipError.engine(operation: "load libunicorn.so.2", code: -1,
                                   message: "it is missing or incomplete; install Debian's libunicorn2")
        }
        var handle: OpaquePointer?
        let mode = uc_mode(rawValue: UC_MODE_THUMB.rawValue | UC_MODE_MCLASS.rawValue)
        try Self.check(cunicorn_open(UC_ARCH_ARM, mode, &handle), "open an ARM engine")
        guard let handle else {
            throw ChipError.engine(operation: "open an ARM engine", code: -1, message: "no handle")
        }
        engine = handle
        try Self.check(cunicorn_set_cpu_model(engine, model), "select the \(core.rawValue) CPU model")
        try installHooks()
        var context: OpaquePointer?
        if cunicorn_context_alloc(engine, &context) == UC_ERR_OK, let context {
            cunicorn_context_save(engine, context)
            initialContext = context
        }
    }

    deinit {
        if let initialContext { cunicorn_context_free(initialContext) }
        cunicorn_close(engine)
    }

    static func check(_ error: uc_err, _ operation: String) throws {
        guard error != UC_ERR_OK else { return }
        throw ChipError.engine(
            operation: operation, code: Int(error.rawValue), message: String(cString: cunicorn_strerror(error)))
    }

    // MARK: Memory

    /// Maps zero-filled memory owned by Unicorn.
    func map(_ start: UInt32, size: UInt32, writable: Bool) throws {
        let prot = writable ? UC_PROT_ALL.rawValue : UC_PROT_READ.rawValue | UC_PROT_EXEC.rawValue
        try Self.check(cunicorn_mem_map(engine, UInt64(start), Int(size), prot), "map 0x\(String(start, radix: 16))")
    }

    /// Maps host memory (the flash array) read-only and executable: stores into it reach `protectedWrite`.
    func map(_ start: UInt32, size: Int, pointer: UnsafeMutableRawPointer) throws {
        let prot = UC_PROT_READ.rawValue | UC_PROT_EXEC.rawValue
        try Self.check(cunicorn_mem_map_ptr(engine, UInt64(start), size, prot, pointer), "map flash")
    }

    /// Maps an MMIO window whose accesses go to `mmioRead` / `mmioWrite`.
    func mapMMIO(_ start: UInt32, size: UInt32) throws {
        // Unicorn passes offsets into the window; each window's context object adds its base back.
        let window = MMIOWindow(base: start, core: self)
        windows.append(window)
        let context = Unmanaged.passUnretained(window).toOpaque()
        try Self.check(
            cunicorn_mmio_map(engine, UInt64(start), Int(size), MMIOWindow.read, context, MMIOWindow.write, context),
            "map MMIO at 0x\(String(start, radix: 16))")
    }

    private var windows: [MMIOWindow] = []

    func readMemory(_ address: UInt32, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let error = bytes.withUnsafeMutableBytes { cunicorn_mem_read(engine, UInt64(address), $0.baseAddress, count) }
        return error == UC_ERR_OK ? bytes : nil
    }

    @discardableResult
    func writeMemory(_ address: UInt32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { cunicorn_mem_write(engine, UInt64(address), $0.baseAddress, bytes.count) } == UC_ERR_OK
    }

    /// Drops translated code in a range, after its bytes changed behind the engine's back.
    func invalidateCode(_ range: Range<UInt32>) {
        _ = cunicorn_remove_cache(engine, UInt64(range.lowerBound), UInt64(range.upperBound))
    }

    // MARK: Registers

    func read(_ register: uc_arm_reg) -> UInt32 {
        var value: UInt32 = 0
        cunicorn_reg_read(engine, Int32(register.rawValue), &value)
        return value
    }

    func write(_ register: uc_arm_reg, _ value: UInt32) {
        var value = value
        cunicorn_reg_write(engine, Int32(register.rawValue), &value)
    }

    var pc: UInt32 {
        get { read(UC_ARM_REG_PC) & ~1 }
        // M-profile code is always Thumb; bit 0 selects Thumb state in Unicorn.
        set { write(UC_ARM_REG_PC, newValue | 1) }
    }

    /// Puts every register back to its state after creation (Unicorn has no CPU reset call).
    func resetRegisters() {
        if let initialContext { cunicorn_context_restore(engine, initialContext) }
    }

    // MARK: Running

    /// Runs at most `count` instructions from the current PC; returns the engine's error, if any.
    ///
    /// Always bounded: Unicorn 2.0.1 reuses code translated without its instruction counter, so mixing counted and
    /// uncounted runs on one engine would ignore the count.
    func run(count: Int) -> uc_err {
        exception = nil
        breakpointHit = nil
        invalidAccess = nil
        return cunicorn_emu_start(engine, UInt64(pc | 1), 0xFFFF_FFFF, 0, max(1, count))
    }

    func stop() {
        cunicorn_emu_stop(engine)
    }

    /// Stops the core before executing any of `addresses` (FPB comparators): one code hook per address, and the
    /// code translated there dropped so the hook is compiled in.
    func setBreakpoints(_ addresses: Set<UInt32>) {
        for (address, hook) in breakpointHooks where !addresses.contains(address) {
            cunicorn_hook_del(engine, hook)
            breakpointHooks[address] = nil
            invalidateCode(address..<(address &+ 2))
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let callback: @convention(c) (OpaquePointer?, UInt64, UInt32, UnsafeMutableRawPointer?) -> Void = {
            engine, address, _, context in
            guard let context else { return }
            let core = Unmanaged<CortexMCore>.fromOpaque(context).takeUnretainedValue()
            core.breakpointHit = UInt32(truncatingIfNeeded: address)
            cunicorn_emu_stop(engine)
        }
        for address in addresses where breakpointHooks[address] == nil {
            var hook: uc_hook = 0
            let added = cunicorn_hook_add(
                engine, &hook, Int32(UC_HOOK_CODE.rawValue), unsafeBitCast(callback, to: UnsafeMutableRawPointer.self),
                context, UInt64(address), UInt64(address))
            if added == UC_ERR_OK { breakpointHooks[address] = hook }
            invalidateCode(address..<(address &+ 2))
        }
    }

    private func installHooks() throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        typealias InterruptHook = @convention(c) (OpaquePointer?, UInt32, UnsafeMutableRawPointer?) -> Void
        typealias ProtectionHook = @convention(c) (
            OpaquePointer?, uc_mem_type, UInt64, Int32, Int64, UnsafeMutableRawPointer?
        ) -> Bool
        let interrupt: InterruptHook = { engine, number, context in
            guard let context else { return }
            let core = Unmanaged<CortexMCore>.fromOpaque(context).takeUnretainedValue()
            core.exception = number
            cunicorn_emu_stop(engine)
        }
        let protected: ProtectionHook = {
            _, _, address, size, value, context in
            guard let context else { return false }
            let core = Unmanaged<CortexMCore>.fromOpaque(context).takeUnretainedValue()
            guard let handler = core.protectedWrite else { return false }
            handler(UInt32(truncatingIfNeeded: address), Int(size), UInt32(truncatingIfNeeded: value))
            return true
        }
        var hook: uc_hook = 0
        try Self.check(
            cunicorn_hook_add(engine, &hook, Int32(UC_HOOK_INTR.rawValue),
                              unsafeBitCast(interrupt, to: UnsafeMutableRawPointer.self), context, 1, 0),
            "hook interrupts")
        hooks.append(hook)
        let invalid: ProtectionHook = { _, type, address, _, _, context in
            guard let context else { return false }
            let core = Unmanaged<CortexMCore>.fromOpaque(context).takeUnretainedValue()
            let fetch = type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT
            core.invalidAccess = (fetch, type == UC_MEM_WRITE_UNMAPPED, UInt32(truncatingIfNeeded: address))
            return false
        }
        let invalidTypes = UC_HOOK_MEM_READ_UNMAPPED.rawValue | UC_HOOK_MEM_WRITE_UNMAPPED.rawValue
            | UC_HOOK_MEM_FETCH_UNMAPPED.rawValue | UC_HOOK_MEM_FETCH_PROT.rawValue
        try Self.check(
            cunicorn_hook_add(engine, &hook, Int32(invalidTypes),
                              unsafeBitCast(invalid, to: UnsafeMutableRawPointer.self), context, 1, 0),
            "hook invalid accesses")
        hooks.append(hook)
        try Self.check(
            cunicorn_hook_add(engine, &hook, Int32(UC_HOOK_MEM_WRITE_PROT.rawValue),
                              unsafeBitCast(protected, to: UnsafeMutableRawPointer.self), context, 1, 0),
            "hook protected writes")
        hooks.append(hook)
    }
}

/// The context of one MMIO window: Unicorn passes offsets, the window adds its base.
final class MMIOWindow {
    let base: UInt32
    unowned let core: CortexMCore

    init(base: UInt32, core: CortexMCore) {
        self.base = base
        self.core = core
    }

    static let read: uc_cb_mmio_read_t = { _, offset, size, context in
        guard let context else { return 0 }
        let window = Unmanaged<MMIOWindow>.fromOpaque(context).takeUnretainedValue()
        let address = window.base &+ UInt32(truncatingIfNeeded: offset)
        return UInt64(window.core.mmioRead?(address, Int(size)) ?? 0)
    }

    static let write: uc_cb_mmio_write_t = { _, offset, size, value, context in
        guard let context else { return }
        let window = Unmanaged<MMIOWindow>.fromOpaque(context).takeUnretainedValue()
        let address = window.base &+ UInt32(truncatingIfNeeded: offset)
        window.core.mmioWrite?(address, Int(size), UInt32(truncatingIfNeeded: value))
    }
}
