import Foundation

/// An ST-Link V2/V2-1/V3 driving one Cortex-M target over SWD: mode switching, connect, debug registers and NRST.
/// Memory access is in `STLinkProbe+Memory.swift`; run control, reset and everything above them come from the
/// shared Cortex-M layer (`DebugProbe`), with READREG/WRITEREG as the probe's shortcut for core registers.
///
/// Not thread-safe: one probe, one caller, as the wire protocol is strictly command/reply.
public final class STLinkProbe {
    public let transport: STLinkTransport
    public private(set) var version: STLinkVersion
    /// How long to wait between polls and retries; injectable so unit tests need not sleep.
    public var sleep: (Duration) -> Void = { duration in Thread.sleep(forTimeInterval: duration.seconds) }
    /// The DP IDCODE read at connect, once connected.
    public private(set) var dpIDCode: UInt32?

    /// Reads the firmware version (GET_VERSION, plus GET_VERSION_EX on V3, stlink.md section 8a step 2).
    public init(transport: STLinkTransport) throws(STLinkError) {
        self.transport = transport
        var version = try Self.execute(GetVersion(), on: transport)
        if version.major >= 3 { version = try Self.execute(GetVersionEx(), on: transport) }
        self.version = version
        guard version.major >= 3 || version.jtag >= 11 else {
            throw .firmwareTooOld(version: version.description, needs: "API v2 (V2 J11 or newer)")
        }
    }

    // MARK: Exchanges

    /// Runs one request, retrying SWD WAIT answers up to 8 times with back-off (as OpenOCD does).
    @discardableResult
    public func execute<R: STLinkRequest>(_ request: R) throws(STLinkError) -> R.Reply {
        var delay = Duration.milliseconds(1)
        for _ in 0..<8 {
            do {
                return try Self.execute(request, on: transport)
            } catch .status(let command, let code) where STLinkStatus(rawValue: code)?.isWait ?? false {
                _ = command
                sleep(delay)
                delay *= 2
            }
        }
        return try Self.execute(request, on: transport)
    }

    static func execute<R: STLinkRequest>(_ request: R, on transport: STLinkTransport) throws(STLinkError) -> R.Reply {
        try request.decode(transport.command(request.encode(), replyLength: request.replyLength))
    }

    // MARK: Modes and connect

    public func currentMode() throws(STLinkError) -> STLinkMode { try execute(GetCurrentMode()) }

    /// Leaves DFU, SWIM or a previous debug session so that SWD can be entered (stlink.md section 8a step 3).
    public func leaveCurrentMode() throws(STLinkError) {
        switch try currentMode() {
        case .dfu: try execute(NoReplyCommand.dfuExit)
        case .swim: try execute(NoReplyCommand.swimExit)
        case .debug: try execute(NoReplyCommand.debugExit)
        case .massStorage, .bootloader: break
        }
    }

    /// The target's supply as the probe measures it, or nil when the firmware cannot tell.
    public func targetVoltage() throws(STLinkError) -> Double? {
        guard version.hasTargetVoltage else { return nil }
        return try execute(GetTargetVoltage())
    }

    /// Brings the probe into SWD debug mode and checks that a target answers; returns the DP IDCODE.
    ///
    /// With `underReset`, NRST is held low while SWD is entered and the core halted, then released, so firmware
    /// that disables the SWD pins or sleeps at once can still be reached.
    @discardableResult
    public func connect(underReset: Bool = false, frequencyKHz: UInt32 = 1800) throws -> UInt32 {
        try leaveCurrentMode()
        if let volts = try targetVoltage(), volts < 1.5 { throw STLinkError.targetUnpowered(volts: volts) }
        try setFrequency(kHz: frequencyKHz)
        if underReset { try execute(StatusCommand.driveNRST(.low)) }
        try execute(StatusCommand.enterSWD)
        let mode = try currentMode()
        guard mode == .debug else { throw STLinkError.wrongMode(mode, wanted: .debug) }
        if version.needsInitAP { try execute(StatusCommand.initAP(0)) }
        let idcode = try execute(WordCommand.readIDCodes)
        guard idcode != 0, idcode != 0xFFFF_FFFF else { throw STLinkError.noTarget(idcode: idcode) }
        dpIDCode = idcode
        if underReset {
            try writeDebugRegister(CortexM.dhcsr, CortexM.debugKey | CortexM.cHalt | CortexM.cDebugEn)
            try writeDebugRegister(CortexM.demcr, CortexM.trcEna | CortexM.vcCoreReset)
            try execute(StatusCommand.driveNRST(.high))
            try waitForHalt(timeout: .milliseconds(500), operation: "halt after connect-under-reset")
        }
        return idcode
    }

    /// SWD clock: the closest divisor not above `kHz` on V2 J22+ (stlink.md section 6); V3 takes kHz directly.
    func setFrequency(kHz: UInt32) throws(STLinkError) {
        if version.major >= 3 {
            try execute(StatusCommand.communicationFrequency(kHz: kHz))
        } else if version.hasSWDSetFrequency {
            let table: [(UInt32, UInt16)] = [(4000, 0), (1800, 1), (1200, 2), (950, 3), (480, 7), (240, 15),
                                             (125, 31), (100, 40), (50, 79), (25, 158), (15, 265), (5, 798)]
            let divisor = table.first { $0.0 <= kHz }?.1 ?? 798
            try execute(StatusCommand.swdFrequency(divisor: divisor))
        }
    }

    /// Leaves debug mode with the core running (DHCSR cleared, then EXIT, as stlink-org does).
    public func disconnect() throws {
        try releaseCore()
        try execute(NoReplyCommand.debugExit)
    }

    // MARK: Debug and core registers

    /// A 32-bit word through the AP; a bus fault there is the address's fault, not the wiring's.
    public func readDebugRegister(_ address: UInt32) throws(STLinkError) -> UInt32 {
        do {
            return try execute(WordCommand.readDebugRegister(address))
        } catch .status(_, let code) where Self.apFaults.contains(code) {
            throw .memoryFault(address: address, count: 4, status: code)
        }
    }

    public func writeDebugRegister(_ address: UInt32, _ value: UInt32) throws(STLinkError) {
        do {
            try execute(StatusCommand.writeDebugRegister(address, value))
        } catch .status(_, let code) where Self.apFaults.contains(code) {
            throw .memoryFault(address: address, count: 4, status: code)
        }
    }

    /// SWD_AP_FAULT, SWD_AP_ERROR, SWD_AP_STICKY_ERROR: what a bus error on the access looks like.
    static let apFaults: Set<UInt8> = [0x11, 0x12, 0x19]

    /// A core register through READREG (DCRSR numbering), the probe's shortcut for the shared layer's DCRSR/DCRDR
    /// exchange; the core must be halted.
    public func readCoreRegister(_ register: CortexMRegister) throws(STLinkError) -> UInt32 {
        try execute(WordCommand.readRegister(register.rawValue))
    }

    /// Several core registers in one READALLREGS when they are among r0–PSP (one USB round trip, not one each).
    public func readCoreRegisters(_ registers: [CortexMRegister]) throws(STLinkError) -> [UInt32] {
        guard registers.count > 1, registers.allSatisfy({ $0.rawValue <= CortexMRegister.psp.rawValue }) else {
            var values: [UInt32] = []
            for register in registers { values.append(try readCoreRegister(register)) }
            return values
        }
        let all = try execute(ReadAllRegisters())
        return registers.map { all[Int($0.rawValue)] }
    }

    public func writeCoreRegister(_ register: CortexMRegister, _ value: UInt32) throws(STLinkError) {
        try execute(StatusCommand.writeRegister(register.rawValue, value))
    }

    /// A hardware reset: NRST pulsed by the probe. Only works when NRST is wired.
    public func resetNRST() throws(STLinkError) {
        try execute(StatusCommand.driveNRST(.low))
        sleep(.milliseconds(1))
        try execute(StatusCommand.driveNRST(.high))
    }
}
