import BoardCatalog
import Foundation

/// A plain DFU 1.1 application bootloader (bcdDFUVersion 0x0110), as small USB bootloaders in application
/// flash implement it: download blocks land one after the other from `base`, each sector erased the first time
/// a download touches it; upload reads from `base` to the end of flash; manifestation is instant and tolerant.
public final class DFUBootloader: DFUDeviceModel {
    /// pid.codes test VID:PID: the model stands for no particular product.
    public static let vendorID: UInt16 = 0x1209
    public static let productID: UInt16 = 0x0001
    public static let bcdDevice: UInt16 = 0x0100
    public static let transferSize: UInt16 = 1024

    public let flash: VirtualFlash
    public let base: UInt64
    public let serial: String
    public let productName: String
    public var persist: (() throws -> Void)?
    private var downloadOffset: UInt64 = 0
    private var uploadOffset: UInt64 = 0
    private var erasedSectors: Set<Int> = []
    /// Injected faults: a read-back bit flip, write-protected sectors (a download reaching one fails errWRITE).
    private var faults: ModelFaults

    public init(chip: Chip, boardName: String, serial: String, base: UInt64? = nil, clock: VirtualClock,
                faults: [FaultSpec] = []) throws {
        guard let region = chip.flash else {
            throw VirtualRigError.unsupportedBoard(kind: "dfu", board: chip.id, reason: "its chip has no flash region")
        }
        self.faults = try ModelFaults(faults, region: region, device: "dfu:\(chip.id)")
        let start = base ?? region.start
        guard region.contains(start) else {
            throw VirtualRigError.addressOutOfRange(start, count: 1, region: "flash '\(region.name)' of \(chip.id)")
        }
        flash = VirtualFlash(region: region)
        self.base = start
        self.serial = serial
        productName = "\(boardName) DFU"
        super.init(clock: clock)
    }

    override public var deviceDescriptor: [UInt8] {
        USBDescriptor.device(vendorID: Self.vendorID, productID: Self.productID, bcdDevice: Self.bcdDevice)
    }

    override public var configurationDescriptor: [UInt8] {
        let body = USBDescriptor.interface(number: 0, alternate: 0, endpoints: 0, interfaceClass: 0xFE, subclass: 0x01,
                                           protocol: 0x02, string: 4)
            + DFUFunctionalDescriptor(attributes: [.canDownload, .canUpload, .manifestationTolerant],
                                      detachTimeout: 255, transferSize: Self.transferSize, version: 0x0110).bytes
        return USBDescriptor.configuration(interfaces: 1, body: body)
    }

    override public var strings: [UInt8: String] {
        [1: "atelier", 2: productName, 3: serial, 4: String(format: "Flash at 0x%08llX", base)]
    }

    override public func shutdown() throws { try persist?() }

    override func download(block: UInt16, data: [UInt8]) -> ControlReply {
        if state == .dfuIDLE {
            downloadOffset = 0
            erasedSectors = []
        }
        let address = base + downloadOffset
        downloadOffset += UInt64(data.count)
        return queue { [unowned self] in
            guard flash.region.contains(address..<(address + UInt64(data.count))) else { return .failed(.errADDRESS) }
            var milliseconds = 0.0
            var cursor = address
            while cursor < address + UInt64(data.count) {
                guard let sector = flash.region.sector(containing: cursor) else { break }
                if faults.protectedSectors.contains(sector.index) { return .failed(.errWRITE) }
                if !erasedSectors.contains(sector.index) {
                    guard let erased = try? flash.eraseSector(containing: cursor) else { return .failed(.errERASE) }
                    erasedSectors.insert(sector.index)
                    milliseconds += erased.milliseconds
                }
                cursor = sector.end
            }
            guard let programming = try? flash.program(address, data) else { return .failed(.errPROG) }
            return .done(milliseconds: milliseconds + programming)
        }
    }

    override func upload(block: UInt16, length: Int, firstOfRun: Bool) -> [UInt8]? {
        if firstOfRun { uploadOffset = 0 }
        let address = base + uploadOffset
        let bytes = flash.read(address, count: length)
        uploadOffset += UInt64(bytes.count)
        return faults.readBack(bytes, at: address)
    }

    override func manifest() -> DFUState {
        try? persist?()
        return .dfuIDLE
    }
}
