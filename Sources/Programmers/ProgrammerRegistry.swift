import BoardCatalog
import Flash
import USB

/// A programmer opened for one board: the flash target, and how to start the firmware afterwards.
public final class OpenedProgrammer {
    public let probe: DetectedProbe
    public let target: FlashTarget
    /// Starts the freshly written firmware (a reset, or leaving the bootloader).
    public let start: () throws -> Void
    /// The debug port behind the programmer, when it has one (ST-Link, CMSIS-DAP): for resetting, and the console.
    public let debug: DebugSession?
    /// Facts about the device worth showing next to the summary (an AVR's fuses), one per line.
    public let details: [String]
    /// Where the unique ID of the chip behind this programmer comes from, decided by `ProgrammerRegistry`.
    public let chipIdentity: ChipIdentity
    // Kept alive for as long as the target talks through them.
    private let resources: [AnyObject]

    init(probe: DetectedProbe, target: FlashTarget, start: @escaping () throws -> Void, resources: [AnyObject],
         debug: DebugSession? = nil, details: [String] = [], chipIdentity: ChipIdentity) {
        self.probe = probe
        self.chipIdentity = chipIdentity
        self.debug = debug
        self.details = details
        self.target = target
        self.start = start
        self.resources = resources
    }

    /// The unique ID of the chip behind this programmer as the ledger records it (upper-case hex, or the ROM
    /// bootloader's USB serial); nil when this programmer cannot tell one chip from another.
    public func chipUniqueID() throws -> String? {
        try chipIdentity.uniqueID(reading: target)
    }
}

/// Opens the right driver for a detected probe: the one list of what atelier can drive.
public enum ProgrammerRegistry {
    /// The probe kinds that can flash today.
    public static let flashableKinds: Set<ProbeKind> = [.dfuse, .dfu, .stlink, .cmsisDAP, .usbasp, .picoboot]

    /// Opens `probe` to flash `board`, after checking that the device is that board's chip (unless `force`).
    /// `connectUnderReset` holds NRST while a debug probe connects; other probes ignore it.
    public static func open(_ probe: DetectedProbe, for board: Board, force: Bool = false,
                            connectUnderReset: Bool = false) throws -> OpenedProgrammer {
        switch probe.kind {
        case .dfuse:
            return try openDfuSe(probe, board: board, force: force)
        case .dfu:
            return try openDFU(probe, board: board, force: force)
        case .stlink, .cmsisDAP:
            return try openDebugProgrammer(probe, board: board, force: force, underReset: connectUnderReset)
        case .usbasp:
            return try openUSBasp(probe, board: board, force: force)
        case .picoboot:
            return try openPICOBOOT(probe, board: board, force: force)
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
            // Names that could not be read (no permission, typically) say nothing about the chip: report why.
            if let unreadable = probe.device.stringsError, alternates.allSatisfy({ $0.name == nil }) {
                throw unreadable
            }
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
            resources: [context, handle], chipIdentity: chipIdentity(of: probe, board: board))
    }
}

extension ProgrammerRegistry {
    /// A plain DFU 1.1 device: it says nothing about its memory but, at most, an address in its interface
    /// string ("Flash at 0x08004000", as the rig and several small bootloaders write it); without one its stream
    /// starts at the board's flash. The base must lie in the board's flash unless `force`.
    static func openDFU(_ probe: DetectedProbe, board: Board, force: Bool) throws -> OpenedProgrammer {
        guard let flash = board.chip.flash else { throw ProgrammerError.noFlash(board.id) }
        let alternates = probe.device.alternateSettings.filter(\.isDFUMode)
        guard let chosen = alternates.first(where: { $0.alternateSetting == 0 }) ?? alternates.first else {
            throw DFUError.wrongChip(board: board.id, device: "no DFU-mode interface")
        }
        let base = chosen.name.flatMap(Self.address(in:)) ?? flash.start
        guard flash.contains(base) || force else {
            throw DFUError.wrongChip(board: "\(board.id) (flash at \(hexRange(flash.start..<flash.end)))",
                                     device: "a DFU device writing from \(hex(base))")
        }
        let functional = alternates.compactMap(\.dfu).first
        let transferSize = functional.map { Int($0.transferSize) } ?? 1024
        let tolerant = functional.map { $0.attributes & 0x04 != 0 } ?? false
        let context = try USBContext()
        let handle = try context.open(probe.device)
        try handle.claimInterface(chosen.interfaceNumber)
        if alternates.count > 1 {
            try handle.setAlternateSetting(chosen.alternateSetting, interface: chosen.interfaceNumber)
        }
        let programmer = DFUProgrammer(
            transport: USBDFUTransport(usb: handle, interface: chosen.interfaceNumber), transferSize: transferSize,
            base: base, manifestationTolerant: tolerant)
        // dfu-util -R does the same: DETACH (a DFU-mode device may refuse it), then a bus reset.
        let start = {
            try? programmer.detach()
            try? handle.resetDevice()
        }
        return OpenedProgrammer(probe: probe, target: programmer, start: start, resources: [context, handle],
                                chipIdentity: chipIdentity(of: probe, board: board))
    }

    /// A USBasp: initialize as avrdude does, then check the AVR's signature against the board's chip (unless
    /// `force`). The fuses are read and reported, never written. Starting the firmware releases RESET.
    static func openUSBasp(_ probe: DetectedProbe, board: Board, force: Bool) throws -> OpenedProgrammer {
        guard let flash = board.chip.flash else { throw ProgrammerError.noFlash(board.id) }
        let context = try USBContext()
        let handle = try context.open(probe.device)
        let eeprom = board.chip.memory.first { $0.kind == .eeprom }.map { Int($0.size) } ?? 0
        let programmer = USBaspProgrammer(transport: USBUSBaspTransport(usb: handle), region: flash,
                                          eepromSize: eeprom)
        try programmer.connect()
        let signature = try programmer.signature()
        if let expected = board.chip.debug?.signature, expected != signature, !force {
            try? programmer.disconnect()
            throw USBaspError.wrongChip(board: board.id, expected: expected, got: signature)
        }
        let fuses = try programmer.fuses()
        return OpenedProgrammer(probe: probe, target: programmer, start: { try programmer.disconnect() },
                                resources: [context, handle], details: [fuses.description],
                                chipIdentity: chipIdentity(of: probe, board: board))
    }

    /// An RP2040 in BOOTSEL mode: the vendor interface (class 0xFF, one bulk OUT and one bulk IN endpoint, as
    /// picotool requires), checked by the ROM marker unless `force`. Starting the firmware reboots the chip.
    static func openPICOBOOT(_ probe: DetectedProbe, board: Board, force: Bool) throws -> OpenedProgrammer {
        guard let flash = board.chip.flash else { throw ProgrammerError.noFlash(board.id) }
        guard let chosen = probe.device.alternateSettings.first(where: {
            $0.interfaceClass == 0xFF && $0.endpoints.count == 2 && $0.endpoints.allSatisfy(\.isBulk)
        }), let output = chosen.endpoints.first(where: { !$0.isIn }), let input = chosen.endpoints.first(where: \.isIn)
        else { throw PICOBOOTError.noInterface }
        let context = try USBContext()
        let handle = try context.open(probe.device)
        try handle.claimInterface(chosen.interfaceNumber)
        let transport = USBPICOBOOTTransport(usb: handle, interface: chosen.interfaceNumber,
                                             endpointOut: output.address, endpointIn: input.address)
        let programmer = PICOBOOTProgrammer(transport: transport, region: flash)
        try programmer.open()
        let marker = try programmer.romMarker()
        if !board.chip.bootloaders.contains("picoboot") && !force {
            throw PICOBOOTError.notAnRP2040Board(board: board.id, chip: board.chip.id)
        }
        if marker != [0x4D, 0x75, 0x01] && !force { throw PICOBOOTError.wrongChip(board: board.id, found: marker) }
        return OpenedProgrammer(probe: probe, target: programmer, start: { try programmer.reboot() },
                                resources: [context, handle], chipIdentity: chipIdentity(of: probe, board: board))
    }

    /// The first `0x…` hex number in an interface string.
    static func address(in text: String) -> UInt64? {
        guard let range = text.range(of: "0x[0-9A-Fa-f]+", options: .regularExpression) else { return nil }
        return UInt64(text[range].dropFirst(2), radix: 16)
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
