import BoardCatalog
import Flash
import USB

/// An ST-Link opened and connected over SWD, for commands that need the debug port but not the flash
/// (`atelier reset`, `atelier read`, the console of `atelier run`).
public final class DebugSession {
    public let probe: DetectedProbe
    public let debug: DebugAccess
    /// The driver itself, for what `DebugAccess` does not cover (versions, voltage, NRST).
    public let stlink: STLinkProbe
    private let resources: [AnyObject]

    init(probe: DetectedProbe, stlink: STLinkProbe, resources: [AnyObject]) {
        self.probe = probe
        self.stlink = stlink
        debug = stlink
        self.resources = resources
    }

    /// Leaves debug mode with the core running, so the board goes on without the probe.
    public func close() throws {
        try stlink.disconnect()
    }
}

extension ProgrammerRegistry {
    /// Opens an ST-Link by its PID's endpoints and connects to the target over SWD.
    public static func openDebug(_ probe: DetectedProbe, underReset: Bool = false) throws -> DebugSession {
        guard probe.kind == .stlink,
              let model = STLinkModel.model(vendorID: probe.device.vendorID, productID: probe.device.productID)
        else {
            throw ProgrammerError.unsupportedProbe(probe.kind.rawValue, supported: [ProbeKind.stlink.rawValue])
        }
        let context = try USBContext()
        let handle = try context.open(probe.device)
        // Both peers claim interface 0 (stlink.md section 1).
        try handle.claimInterface(0)
        let transport = USBSTLinkTransport(usb: handle, model: model)
        let stlink = try STLinkProbe(transport: transport)
        try stlink.connect(underReset: underReset)
        return DebugSession(probe: probe, stlink: stlink, resources: [context, handle, transport])
    }

    /// Connects, checks the chip and loads the flash routines; `start` locks the flash, resets and lets go.
    static func openSTLink(_ probe: DetectedProbe, board: Board, force: Bool, underReset: Bool)
        throws -> OpenedProgrammer
    {
        let session = try openDebug(probe, underReset: underReset)
        let target = try STM32FlashTarget(probe: session.stlink, board: board, force: force)
        return OpenedProgrammer(
            probe: probe, target: target,
            start: {
                try target.finish()
                try session.stlink.reset(halt: false)
                try session.close()
            },
            resources: [session], debug: session)
    }
}
