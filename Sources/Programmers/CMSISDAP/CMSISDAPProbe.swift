import Foundation

/// A CMSIS-DAP v2 probe driving one Cortex-M target over SWD: DAP_Info, connect (line reset, JTAG-to-SWD, DP
/// IDCODE, debug power-up), DP/AP register transfers with sticky-error recovery, and transfers streamed up to the
/// probe's packet count. Memory access is in `CMSISDAPProbe+Memory.swift`; run control and everything above it
/// come from the shared Cortex-M layer (`DebugProbe`).
///
/// Not thread-safe: one probe, one caller.
public final class CMSISDAPProbe {
    public let transport: CMSISDAPTransport
    /// The longest command or response (DAP_Info 0xFF).
    public private(set) var packetSize: Int
    /// How many commands the probe buffers (DAP_Info 0xFE): how many atelier keeps in flight.
    public private(set) var packetCount: Int
    public private(set) var capabilities: UInt8 = 0
    public private(set) var serial: String?
    public private(set) var firmware: String?
    /// The DP IDCODE read at connect, once connected.
    public private(set) var dpIDCode: UInt32?
    public var sleep: (Duration) -> Void = { duration in Thread.sleep(forTimeInterval: duration.seconds) }
    /// SWD clock asked for at connect.
    public var clockHertz: UInt32 = 4_000_000
    /// SELECT and CSW as last written; nil when unknown (before connect, after an error).
    var select: UInt32?
    var csw: UInt32?

    /// Reads what the probe is: packet size and count, capabilities, serial and firmware version. `packetSize` is
    /// the endpoint's until the probe says otherwise.
    public init(transport: CMSISDAPTransport, packetSize: Int = 64) throws(CMSISDAPError) {
        self.transport = transport
        self.packetSize = packetSize
        packetCount = 1
        let size = try execute(DAPInfo(.packetSize))
        if size.count >= 2 { self.packetSize = max(8, Int(LE.u16(size, at: 0))) }
        let count = try execute(DAPInfo(.packetCount))
        if let value = count.first { packetCount = max(1, Int(value)) }
        capabilities = try execute(DAPInfo(.capabilities)).first ?? 0
        serial = DAPInfo.string(try execute(DAPInfo(.serial)))
        firmware = DAPInfo.string(try execute(DAPInfo(.protocolVersion)))
        guard capabilities & 1 != 0 else {
            throw .invalidRequest("the CMSIS-DAP probe does not implement SWD (capabilities "
                + "\(hex2(capabilities))); atelier debugs over SWD only")
        }
    }

    // MARK: Exchanges

    /// One command and its response.
    @discardableResult
    public func execute<C: DAPCommand>(_ command: C) throws(CMSISDAPError) -> C.Response {
        try transport.send(command.encode())
        return try command.decode(transport.receive(length: packetSize))
    }

    /// Sends `commands` keeping up to `packetCount` in flight and reads the responses in order, so the probe works
    /// on one while the next ones cross the bus. A failed transfer stops sending; those already in flight are read
    /// and dropped, the sticky error is cleared, and the first failure is thrown: a FAULT on a memory access as a
    /// `memoryFault` at the address of the failed command.
    func stream(_ commands: [QueuedTransfer]) throws(CMSISDAPError) -> [DAPTransferResult] {
        var results: [DAPTransferResult] = []
        results.reserveCapacity(commands.count)
        var sent = 0
        var failure: (index: Int, error: CMSISDAPError)?
        while results.count < sent || (sent < commands.count && failure == nil) {
            while sent < commands.count, sent - results.count < packetCount, failure == nil {
                try transport.send(commands[sent].packet)
                sent += 1
            }
            let index = results.count
            let response = try transport.receive(length: packetSize)
            do {
                let result = try commands[index].decode(response)
                results.append(result)
                if !result.succeeded, failure == nil {
                    failure = (index, .transferFailed(command: commands[index].name, response: result.response,
                                                      done: result.done))
                }
            } catch {
                results.append(DAPTransferResult(done: 0, response: 0, values: []))
                if failure == nil { failure = (index, error) }
            }
        }
        if let failure {
            try recover(from: failure.error)
            if case .transferFailed(_, let response, _) = failure.error, response & 7 == DAPAck.fault.rawValue,
               let memory = commands[failure.index].memory {
                throw .memoryFault(address: memory.address, count: memory.count, response: response)
            }
            throw failure.error
        }
        return results
    }

    /// One DAP_Transfer, with the same recovery as `stream`.
    func transfer(_ requests: [DAPTransferRequest], memory: (address: UInt32, count: Int)? = nil)
        throws(CMSISDAPError) -> [UInt32]
    {
        try stream([QueuedTransfer(DAPTransfer(requests), memory: memory)])[0].values
    }

    /// After a FAULT or a protocol error the DP holds a sticky error that makes every later AP access FAULT:
    /// clear it through ABORT; after a WAIT the probe gave up on, abort the AP transaction too. SELECT and CSW are
    /// read again afterwards, as the probe may have stopped in the middle of changing them.
    func recover(from error: CMSISDAPError) throws(CMSISDAPError) {
        guard case .transferFailed(_, let response, _) = error else { return }
        select = nil
        csw = nil
        guard response & 7 != DAPAck.noAck.rawValue else { return }
        let wait = response & 7 == DAPAck.wait.rawValue
        try execute(DAPStatusCommand.writeABORT(ADIv5.clearStickyErrors | (wait ? ADIv5.dapAbort : 0)))
    }

    // MARK: Connect

    /// Connects over SWD and powers up the debug port; returns the DP IDCODE (cmsis-dap.md section 5).
    ///
    /// With `underReset`, nRESET is held low while the port comes up and the core is told to halt on its reset
    /// vector, then released, so firmware that disables the SWD pins or sleeps at once can still be reached.
    @discardableResult
    public func connect(underReset: Bool = false) throws -> UInt32 {
        let port = try execute(DAPConnect())
        guard port == DAPConnect.swd else {
            throw CMSISDAPError.commandFailed(command: "DAP_Connect SWD", status: port)
        }
        try execute(DAPStatusCommand.swjClock(hertz: clockHertz))
        try execute(DAPStatusCommand.transferConfigure(idleCycles: 0, waitRetry: 1024, matchRetry: 0))
        try execute(DAPStatusCommand.swdConfigure)
        // Host status is an LED: a probe without one may refuse it, which changes nothing.
        _ = try? execute(DAPStatusCommand.hostStatus(type: 0, on: true))
        if underReset { try execute(DAPSWJPins(output: 0, select: DAPSWJPins.nRESET)) }
        try execute(DAPStatusCommand.swjSequence(bits: ADIv5.jtagToSWD.count * 8, ADIv5.jtagToSWD))
        // After a line reset the first access must read DPIDR.
        let idcode = try transfer([.read(.dpIDR)])[0]
        guard idcode != 0, idcode != 0xFFFF_FFFF else { throw CMSISDAPError.noTarget(idcode: idcode) }
        try execute(DAPStatusCommand.writeABORT(ADIv5.clearStickyErrors))
        try powerUp()
        dpIDCode = idcode
        if underReset {
            try write32(CortexM.dhcsr, CortexM.debugKey | CortexM.cHalt | CortexM.cDebugEn)
            try write32(CortexM.demcr, CortexM.trcEna | CortexM.vcCoreReset)
            try execute(DAPSWJPins(output: DAPSWJPins.nRESET, select: DAPSWJPins.nRESET))
            try waitForHalt(timeout: .milliseconds(500), operation: "halt after connect-under-reset")
        }
        return idcode
    }

    /// CTRL/STAT CDBGPWRUPREQ | CSYSPWRUPREQ, then wait for both ACKs.
    func powerUp() throws(CMSISDAPError) {
        _ = try transfer([.write(.select, 0), .write(.ctrlStat, ADIv5.powerUpRequest)])
        select = 0
        var ctrlStat: UInt32 = 0
        for _ in 0..<100 {
            ctrlStat = try transfer([.read(.ctrlStat)])[0]
            if ctrlStat & ADIv5.powerUpAcknowledge == ADIv5.powerUpAcknowledge { return }
            sleep(.milliseconds(1))
        }
        throw .powerUpFailed(ctrlStat: ctrlStat)
    }

    /// Leaves the core running without the debugger and the probe disconnected.
    public func disconnect() throws {
        try releaseCore()
        _ = try? execute(DAPStatusCommand.hostStatus(type: 0, on: false))
        try execute(DAPStatusCommand.disconnect)
    }

    /// A hardware reset: the probe's own reset sequence (DAP_ResetTarget) when its firmware has one for this
    /// target, else nRESET pulsed through DAP_SWJ_Pins (only works when nRESET is wired).
    public func resetNRST() throws(CMSISDAPError) {
        if try execute(DAPResetTarget()) { return }
        try execute(DAPSWJPins(output: 0, select: DAPSWJPins.nRESET))
        sleep(.milliseconds(1))
        try execute(DAPSWJPins(output: DAPSWJPins.nRESET, select: DAPSWJPins.nRESET))
    }
}

/// A DAP_Transfer or DAP_TransferBlock ready to stream: its packet, how to read its response, and the target
/// memory it touches (for naming a bus fault).
struct QueuedTransfer {
    let name: String
    let packet: [UInt8]
    let decode: ([UInt8]) throws(CMSISDAPError) -> DAPTransferResult
    let memory: (address: UInt32, count: Int)?

    init(_ transfer: DAPTransfer, memory: (address: UInt32, count: Int)? = nil) {
        name = transfer.name
        packet = transfer.encode()
        decode = { response throws(CMSISDAPError) in try transfer.decode(response) }
        self.memory = memory
    }

    init(_ block: DAPTransferBlock, memory: (address: UInt32, count: Int)? = nil) {
        name = block.name
        packet = block.encode()
        decode = { response throws(CMSISDAPError) in try block.decode(response) }
        self.memory = memory
    }
}
