import BoardCatalog
import Flash
import USB

/// A debug probe (ST-Link, CMSIS-DAP) opened and connected over SWD, for commands that need the debug port but not
/// the flash (`atelier reset`, `atelier read`, the console of `atelier run`).
public final class DebugSession {
    public let probe: DetectedProbe
    /// The target through the shared Cortex-M layer, whatever the probe.
    public let debug: DebugProbe
    private let pulseNRST: (() throws -> Void)?
    private let leave: () throws -> Void
    private let resources: [AnyObject]

    init(probe: DetectedProbe, debug: DebugProbe, pulseNRST: (() throws -> Void)?, leave: @escaping () throws -> Void,
         resources: [AnyObject]) {
        self.probe = probe
        self.debug = debug
        self.pulseNRST = pulseNRST
        self.leave = leave
        self.resources = resources
    }

    /// A hardware reset: NRST pulsed by the probe. Only works when NRST is wired.
    public func resetNRST() throws {
        guard let pulseNRST else {
            throw ProgrammerError.unsupportedProbe("\(probe.kind.rawValue) (NRST)", supported: ["stlink", "cmsis-dap"])
        }
        try pulseNRST()
    }

    /// Leaves debug mode with the core running, so the board goes on without the probe.
    public func close() throws {
        try leave()
    }
}

extension ProgrammerRegistry {
    /// The probe kinds with a debug port: what `atelier run`, `reset`, `read` and `erase` can use.
    public static let debugKinds: Set<ProbeKind> = [.stlink, .cmsisDAP]

    /// Opens a debug probe and connects to the target over SWD.
    public static func openDebug(_ probe: DetectedProbe, underReset: Bool = false) throws -> DebugSession {
        switch probe.kind {
        case .stlink: return try openSTLinkDebug(probe, underReset: underReset)
        case .cmsisDAP: return try openCMSISDAPDebug(probe, underReset: underReset)
        default:
            throw ProgrammerError.unsupportedProbe(probe.kind.rawValue, supported: debugKinds.map(\.rawValue).sorted())
        }
    }

    /// The flash target for the board's flash controller, over any connected debug probe.
    public static func flashTarget(_ debug: DebugProbe, board: Board, force: Bool) throws -> DebugFlashTarget {
        switch board.chip.flashController {
        case "nrf52": return try NRF52FlashTarget(probe: debug, board: board, force: force)
        default: return try STM32FlashTarget(probe: debug, board: board, force: force)
        }
    }

    /// Connects, checks the chip and prepares the flash target; `start` locks the flash, resets and lets go.
    static func openDebugProgrammer(_ probe: DetectedProbe, board: Board, force: Bool, underReset: Bool)
        throws -> OpenedProgrammer
    {
        let session = try openDebug(probe, underReset: underReset)
        let target = try flashTarget(session.debug, board: board, force: force)
        return OpenedProgrammer(
            probe: probe, target: target,
            start: {
                try target.finish()
                try session.debug.reset(halt: false)
                try session.close()
            },
            resources: [session], debug: session, chipIdentity: chipIdentity(of: probe, board: board))
    }

    /// An ST-Link by its PID's endpoints.
    static func openSTLinkDebug(_ probe: DetectedProbe, underReset: Bool) throws -> DebugSession {
        guard let model = STLinkModel.model(vendorID: probe.device.vendorID, productID: probe.device.productID) else {
            throw ProgrammerError.unsupportedProbe("\(probe.kind.rawValue) \(probe.device.vidPid)",
                                                   supported: debugKinds.map(\.rawValue).sorted())
        }
        let context = try USBContext()
        let handle = try context.open(probe.device)
        // Both peers claim interface 0 (stlink.md section 1).
        try handle.claimInterface(0)
        let transport = USBSTLinkTransport(usb: handle, model: model)
        let stlink = try STLinkProbe(transport: transport)
        try stlink.connect(underReset: underReset)
        return DebugSession(probe: probe, debug: stlink, pulseNRST: { try stlink.resetNRST() },
                            leave: { try stlink.disconnect() }, resources: [context, handle, transport])
    }
}
