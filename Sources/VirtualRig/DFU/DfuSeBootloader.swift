import BoardCatalog

/// The STM32 system-memory bootloader in DFU mode (ST AN3156, DfuSe 1.1a): VID 0483 PID DF11, one interface
/// whose alternate settings are the chip's memories (`dfu-dfuse.md` sections 6 to 8).
///
/// DNLOAD block 0 carries a command (Set Address Pointer, Erase, Mass Erase, Read Unprotect), blocks 2 and up
/// carry data for `(block - 2) x wTransferSize + address pointer`, and a zero-length DNLOAD leaves DFU mode.
public final class DfuSeBootloader: DFUDeviceModel {
    public static let vendorID: UInt16 = 0x0483
    public static let productID: UInt16 = 0xDF11
    public static let bcdDevice: UInt16 = 0x2200
    public static let transferSize: UInt16 = 2048
    /// The commands UPLOAD block 0 lists (AN2662 4.4.2): Get, Set Address Pointer, Erase, Read Unprotect.
    static let supportedCommands: [UInt8] = [0x00, 0x21, 0x41, 0x92]

    public let flash: VirtualFlash
    public let segments: [DfuSeSegment]
    public let serial: String
    public private(set) var addressPointer: UInt64
    /// Read protection (RDP level 1): reads, writes and erases fail with errVENDOR until Read Unprotect.
    public var readProtected = false
    /// Persists the flash when the device leaves DFU mode and at shutdown.
    public var persist: (() throws -> Void)?
    private var uploadBlockSize = Int(DfuSeBootloader.transferSize)
    /// Injected faults: a read-back bit flip, write-protected sectors.
    private var faults: ModelFaults

    /// Builds the bootloader of `chip`; fails when the chip file has no flash region or no `dfuse` bootloader.
    public init(chip: Chip, serial: String, clock: VirtualClock, faults: [FaultSpec] = []) throws {
        guard let region = chip.flash else {
            throw VirtualRigError.unsupportedBoard(kind: "dfuse", board: chip.id,
                                                   reason: "its chip has no flash region")
        }
        self.faults = try ModelFaults(faults, region: region, device: "dfuse:\(chip.id)")
        flash = VirtualFlash(region: region)
        segments = DfuSeMemoryMap.segments(for: chip, flash: flash)
        self.serial = serial
        addressPointer = region.start
        super.init(clock: clock)
    }

    override public var alternateCount: Int { segments.count }

    override public var deviceDescriptor: [UInt8] {
        USBDescriptor.device(bcdUSB: 0x0100, vendorID: Self.vendorID, productID: Self.productID,
                             bcdDevice: Self.bcdDevice)
    }

    override public var configurationDescriptor: [UInt8] {
        var body: [UInt8] = []
        for (index, _) in segments.enumerated() {
            body += USBDescriptor.interface(number: 0, alternate: UInt8(index), endpoints: 0, interfaceClass: 0xFE,
                                            subclass: 0x01, protocol: 0x02, string: UInt8(4 + index))
        }
        // ST places the functional descriptor after the last alternate setting; libusb attaches it to that alt.
        body += DFUFunctionalDescriptor(attributes: [.canDownload, .canUpload, .willDetach], detachTimeout: 255,
                                        transferSize: Self.transferSize, version: 0x011A).bytes
        return USBDescriptor.configuration(interfaces: 1, body: body)
    }

    override public var strings: [UInt8: String] {
        var table: [UInt8: String] = [1: "STMicroelectronics", 2: "STM32  BOOTLOADER", 3: serial]
        for (index, segment) in segments.enumerated() { table[UInt8(4 + index)] = segment.layoutString }
        return table
    }

    override public func shutdown() throws { try persist?() }

    // MARK: DfuSe commands

    override var acceptsLeaveFromIdle: Bool { true }

    override func download(block: UInt16, data: [UInt8]) -> ControlReply {
        switch block {
        case 0:
            return command(data)
        case 1:
            return fail(.errSTALLEDPKT)
        default:
            let address = UInt64(block - 2) * UInt64(Self.transferSize) + addressPointer
            return queue { [unowned self] in write(address, data) }
        }
    }

    private func command(_ data: [UInt8]) -> ControlReply {
        let address = data.count == 5 ? data[1...4].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : 0
        switch (data[0], data.count) {
        case (0x21, 5):
            return queue { [unowned self] in
                guard segment(containing: address) != nil else { return .failed(.errTARGET) }
                addressPointer = address
                return .done(milliseconds: 0)
            }
        case (0x41, 5):
            return queue { [unowned self] in erase(address) }
        case (0x41, 1):
            return queue { [unowned self] in
                if readProtected { return .failed(.errVENDOR) }
                return .done(milliseconds: massErase())
            }
        case (0x92, 1):
            // Removing read protection erases the whole flash first (RM0090 3.7.3); the device then resets.
            return queue { [unowned self] in
                readProtected = false
                return .done(milliseconds: flash.massErase())
            }
        default:
            return fail(.errSTALLEDPKT)
        }
    }

    private func erase(_ address: UInt64) -> WorkResult {
        if readProtected { return .failed(.errVENDOR) }
        guard let segment = segment(containing: address) else { return .failed(.errTARGET) }
        guard case .flash(let flash) = segment.storage else { return .done(milliseconds: 0) }
        // AN2662 4.5.3 / AN3156: "No error is returned when performing erase operations on write protected
        // sectors": the sector keeps its contents and the status says OK.
        if isProtected(address) { return .done(milliseconds: 0) }
        guard let result = try? flash.eraseSector(containing: address) else { return .failed(.errERASE) }
        return .done(milliseconds: result.milliseconds)
    }

    /// A mass erase leaves write-protected sectors as they are.
    private func massErase() -> Double {
        guard !faults.protectedSectors.isEmpty else { return flash.massErase() }
        var milliseconds = 0.0
        for sector in flash.region.sectorList where !faults.protectedSectors.contains(sector.index) {
            milliseconds += (try? flash.eraseSector(containing: sector.start).milliseconds) ?? 0
        }
        return milliseconds
    }

    private func isProtected(_ address: UInt64) -> Bool {
        guard let sector = flash.region.sector(containing: address) else { return false }
        return faults.protectedSectors.contains(sector.index)
    }

    private func write(_ address: UInt64, _ data: [UInt8]) -> WorkResult {
        if readProtected { return .failed(.errVENDOR) }
        guard let segment = segment(containing: address) else { return .failed(.errTARGET) }
        // AN2662 figure 57 / AN3156 Write memory: an address the bootloader cannot write ends in errTARGET.
        let last = address + UInt64(max(1, data.count)) - 1
        if case .flash = segment.storage, isProtected(address) || isProtected(last) { return .failed(.errTARGET) }
        guard let milliseconds = try? segment.write(address, data) else { return .failed(.errADDRESS) }
        return .done(milliseconds: milliseconds)
    }

    override func upload(block: UInt16, length: Int, firstOfRun: Bool) -> [UInt8]? {
        switch block {
        case 0:
            return Array(Self.supportedCommands.prefix(length))
        case 1:
            _ = fail(.errSTALLEDPKT)
            return nil
        default:
            // dfu-util shrinks wLength on the last block, so the address uses the block size the run began with.
            if firstOfRun { uploadBlockSize = max(1, length) }
            if readProtected {
                _ = fail(.errVENDOR)
                return nil
            }
            let address = UInt64(block - 2) * UInt64(uploadBlockSize) + addressPointer
            guard let segment = segment(containing: address) else {
                _ = fail(.errTARGET)
                return nil
            }
            return faults.readBack(segment.read(address, count: length), at: address)
        }
    }

    override func manifest() -> DFUState {
        // Leaving DFU mode: the real device jumps to the application and drops off the bus.
        try? persist?()
        return .dfuMANIFEST
    }

    private func segment(containing address: UInt64) -> DfuSeSegment? {
        segments.first { $0.contains(address) }
    }
}
