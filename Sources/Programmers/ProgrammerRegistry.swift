import BoardCatalog
import Flash
import USB

/// A programmer opened for one board: the flash target, and how to start the firmware afterwards.
public final class OpenedProgrammer {
    public let probe: DetectedProbe
    public let target: FlashTarget
    /// Starts the freshly written firmware (a reset, or leaving the bootloader).
    public let start: () throws -> Void
    /// The debug port behind the programmer, when it has one (ST-Link): for resetting halted, and the console.
    public let debug: DebugSession?
    // Kept alive for as long as the target talks through them.
    private let resources: [AnyObject]

    init(probe: DetectedProbe, target: FlashTarget, start: @escaping () throws -> Void, resources: [AnyObject],
         debug: DebugSession? = nil) {
        self.probe = probe
        self.debug = debug
        self.target = target
        self.start = start
        self.resources = resources
    }
}

/// Opens the right driver for a detected probe: the one list of what atelier can drive.
public enum ProgrammerRegistry {
    /// The probe kinds that can flash today.
    public static let flashableKinds: Set<ProbeKind> = [.dfuse, .stlink]

    /// Opens `probe` to flash `board`, after checking that the device is that board's chip (unless `force`).
    /// `connectUnderReset` holds NRST while an ST-Link connects; other probes ignore it.
    public static func open(_ probe: DetectedProbe, for board: Board, force: Bool = false,
                            connectUnderReset: Bool = false) throws -> OpenedProgrammer {
        switch probe.kind {
        case .dfuse:
            return try openDfuSe(probe, board: board, force: force)
        case .stlink:
            return try openSTLink(probe, board: board, force: force, underReset: connectUnderReset)
        default:
            throw ProgrammerError.unsupportedProbe(probe.kind.rawValue, supported: flashableKinds.map(\.rawValue).sorted())
        }
    }

    private static func openDfuSe(_ probe: DetectedProbe, board: Board, force: Bool) throws -> OpenedProgrammer {
        guard let flash = board.chip.flash else { throw ProgrammerError.noFlash(board.id) }
        let alternates = probe.device.alternateSettings.filter(\.isDFUMode)
        let matching = alternates.first { alternate in
            (alternate.name.flatMap { try? DfuSeLayout(parsing: $0) })?.describes(flash) ?? false
        }
        guard let chosen = matching ?? (force ? alternates.first : nil) else {
            let described = alternates.compactMap(\.name).first ?? "no memory layout"
            throw DFUError.wrongChip(board: "\(board.id) (\(DfuSeLayout.text(describing: flash)))", device: described)
        }
        // The ST bootloader puts the functional descriptor after its last alt setting, so look at all of them.
        let transferSize = alternates.compactMap(\.dfu).first.map { Int($0.transferSize) } ?? 2048
        let context = try USBContext()
        let handle = try context.open(probe.device)
        try handle.claimInterface(chosen.interfaceNumber)
        try handle.setAlternateSetting(chosen.alternateSetting, interface: chosen.interfaceNumber)
        let programmer = DfuSeProgrammer(
            transport: USBDFUTransport(usb: handle, interface: chosen.interfaceNumber), transferSize: transferSize)
        return OpenedProgrammer(
            probe: probe, target: programmer, start: { try programmer.leave(jumpingTo: flash.start) },
            resources: [context, handle])
    }
}

/// Why no programmer could be opened.
public enum ProgrammerError: Error, CustomStringConvertible, Equatable {
    case unsupportedProbe(String, supported: [String])
    case noFlash(String)

    public var description: String {
        switch self {
        case .unsupportedProbe(let kind, let supported):
            "atelier cannot flash through a \(kind) probe yet; it can through: \(supported.joined(separator: ", "))"
        case .noFlash(let board):
            "board '\(board)' has no flash region to write"
        }
    }
}
