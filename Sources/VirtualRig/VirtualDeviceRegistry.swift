import BoardCatalog
import Foundation

/// The device kinds the rig models, by name. A new kind (`stlink`, `cmsis-dap`, …) adds one entry here and
/// one model type; nothing else changes.
public enum VirtualDeviceRegistry {
    public typealias Factory = (VirtualDeviceContext) throws -> USBDeviceModel

    public static let factories: [String: Factory] = [
        "dfuse": makeDfuSe,
        "dfu": makeDFU,
        STLinkVariant.v2.rawValue: { try makeSTLink($0, variant: .v2) },
        STLinkVariant.v21.rawValue: { try makeSTLink($0, variant: .v21) },
        "usbasp": makeUSBasp,
        "picoboot": makePICOBOOT,
        "cmsis-dap": makeCMSISDAP,
    ]

    public static var kinds: [String] { factories.keys.sorted() }

    /// A default serial: 12 upper-case hex digits (the STM32 ROM bootloader's form), from the kind, board and
    /// the device's position among devices of that kind and board, so reruns find their state again. ST-Links
    /// get 24 digits: stlink-tools skips a probe whose serial has any other length (`stlink.md` section 1).
    public static func defaultSerial(kind: String, board: String, ordinal: Int) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in "\(kind):\(board):\(ordinal)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        let short = String(format: "%012llX", hash & 0xFFFF_FFFF_FFFF)
        guard STLinkVariant(rawValue: kind) != nil else { return short }
        return short + String(format: "%012llX", (hash >> 16 ^ hash &* 0x9E37_79B9) & 0xFFFF_FFFF_FFFF)
    }

    /// The USB serial a ROM bootloader derives from the chip's unique ID, seeded by the device's place as the
    /// chip behind a probe is: the STM32 system bootloader's 12 digits (DfuSe). nil for kinds whose serial says
    /// nothing about the chip (the RP2040 boot ROM's is the same on every chip of a ROM revision).
    public static func chipDerivedSerial(kind: String, chip: Chip, place: String) -> String? {
        guard kind == "dfuse", chip.debug?.uniqueID != nil else { return nil }
        return SeededUniqueID.stm32BootloaderSerial(uid: SeededUniqueID(chip: chip.id, place: place).bytes(for: chip))
    }

    static func makeDfuSe(_ context: VirtualDeviceContext) throws -> USBDeviceModel {
        let chip = context.board.chip
        guard chip.bootloaders.contains("dfuse") else {
            throw VirtualRigError.unsupportedBoard(
                kind: "dfuse", board: context.board.id,
                reason: "chip '\(chip.id)' has no DfuSe ROM bootloader (its chip file lists bootloaders: "
                    + "\(chip.bootloaders.isEmpty ? "none" : chip.bootloaders.joined(separator: ", ")))")
        }
        if let key = context.spec.options.keys.sorted().first {
            throw VirtualRigError.badDeviceSpec("dfuse:\(context.board.id)", reason: "unknown setting '\(key)'")
        }
        let model = try DfuSeBootloader(chip: chip, serial: context.serial, clock: context.clock,
                                        faults: context.spec.faults)
        model.persist = try persistence(context, flash: model.flash)
        return model
    }

    static func makeDFU(_ context: VirtualDeviceContext) throws -> USBDeviceModel {
        var base: UInt64?
        if let text = context.spec.options["base"] {
            guard let value = ByteSize.parse(text) else {
                throw VirtualRigError.badDeviceSpec("dfu:\(context.board.id)",
                                                    reason: "base '\(text)' is not an address")
            }
            base = value
        }
        for key in context.spec.options.keys where key != "base" {
            throw VirtualRigError.badDeviceSpec("dfu:\(context.board.id)", reason: "unknown setting '\(key)'")
        }
        let model = try DFUBootloader(chip: context.board.chip, boardName: context.board.name, serial: context.serial,
                                      base: base, clock: context.clock, faults: context.spec.faults)
        model.persist = try persistence(context, flash: model.flash)
        return model
    }

    /// An ST-Link with the board's chip behind it; the chip's flash comes from `--state` and goes back there.
    static func makeSTLink(_ context: VirtualDeviceContext, variant: STLinkVariant) throws -> USBDeviceModel {
        if let key = context.spec.options.keys.sorted().first {
            throw VirtualRigError.badDeviceSpec("\(variant.rawValue):\(context.board.id)",
                                                reason: "unknown setting '\(key)'")
        }
        let chip = context.board.chip
        guard chip.core.architecture == .arm, chip.flash != nil else {
            throw VirtualRigError.unsupportedBoard(
                kind: variant.rawValue, board: context.board.id,
                reason: "an ST-Link debugs ARM Cortex-M chips with flash; chip '\(chip.id)' is \(chip.core.rawValue)")
        }
        let made: (chip: VirtualChip, persist: (() throws -> Void)?)
        do {
            made = try VirtualChip.make(for: context)
        } catch let error as ChipError {
            throw VirtualRigError.unsupportedBoard(kind: variant.rawValue, board: context.board.id,
                                                   reason: error.description)
        }
        let model = VirtualSTLink(variant: variant, chip: made.chip, serial: context.serial)
        model.persist = made.persist
        return model
    }

    /// A CMSIS-DAP v2 probe with the board's chip behind it. `write-protect` faults protect flash sectors (the
    /// controller then refuses to erase or program them); a read-back bit flip is a DFU-model fault.
    static func makeCMSISDAP(_ context: VirtualDeviceContext) throws -> USBDeviceModel {
        let kind = context.spec.kind
        if let key = context.spec.options.keys.sorted().first {
            throw VirtualRigError.badDeviceSpec("\(kind):\(context.board.id)", reason: "unknown setting '\(key)'")
        }
        let chip = context.board.chip
        guard chip.core.architecture == .arm, let flash = chip.flash else {
            throw VirtualRigError.unsupportedBoard(
                kind: kind, board: context.board.id,
                reason: "a CMSIS-DAP probe here debugs ARM Cortex-M chips with flash; chip '\(chip.id)' is "
                    + chip.core.rawValue)
        }
        if let flip = context.spec.faults.first(where: { if case .bitflipReadback = $0 { true } else { false } }) {
            throw VirtualRigError.badFault(flip.description, reason: "a \(kind) probe cannot inject it")
        }
        let faults = try ModelFaults(context.spec.faults, region: flash, device: "\(kind):\(context.board.id)")
        let made: (chip: VirtualChip, persist: (() throws -> Void)?)
        do {
            made = try VirtualChip.make(for: context)
        } catch let error as ChipError {
            throw VirtualRigError.unsupportedBoard(kind: kind, board: context.board.id, reason: error.description)
        }
        if !faults.protectedSectors.isEmpty { made.chip.protectFlashSectors(faults.protectedSectors) }
        let model = VirtualCMSISDAP(chip: made.chip, serial: context.serial)
        model.persist = made.persist
        return model
    }

    /// An RP2040 in BOOTSEL mode; its QSPI flash persists in `--state`.
    static func makePICOBOOT(_ context: VirtualDeviceContext) throws -> USBDeviceModel {
        if let key = context.spec.options.keys.sorted().first {
            throw VirtualRigError.badDeviceSpec("picoboot:\(context.board.id)", reason: "unknown setting '\(key)'")
        }
        let model = try VirtualPICOBOOT(chip: context.board.chip, serial: context.serial, clock: context.clock)
        model.persist = try persistence(context, flash: model.flash)
        return model
    }

    /// A USBasp with the board's AVR on its ISP cable; flash and EEPROM persist in `--state`.
    static func makeUSBasp(_ context: VirtualDeviceContext) throws -> USBDeviceModel {
        if let key = context.spec.options.keys.sorted().first {
            throw VirtualRigError.badDeviceSpec("usbasp:\(context.board.id)", reason: "unknown setting '\(key)'")
        }
        let model = VirtualUSBasp(chip: try AVRISPChip(chip: context.board.chip), serial: context.serial,
                                  clock: context.clock)
        let flash = try persistence(context, flash: model.chip.flash)
        var eeprom: (() throws -> Void)?
        if let store = context.store {
            let path = store.path(kind: "usbasp-eeprom", board: context.board.id, serial: context.stateName)
            let array = model.chip.eeprom
            try store.load(into: array, path: path)
            eeprom = { try store.save(array, path: path) }
        }
        if flash != nil || eeprom != nil {
            model.persist = {
                try flash?()
                try eeprom?()
            }
        }
        return model
    }

    /// Loads the saved flash now and returns the closure that saves it, or nil without `--state`.
    private static func persistence(_ context: VirtualDeviceContext, flash: VirtualFlash) throws
        -> (() throws -> Void)?
    {
        guard let store = context.store else { return nil }
        let path = store.path(kind: context.spec.kind, board: context.board.id, serial: context.stateName)
        try store.load(into: flash, path: path)
        return { try store.save(flash, path: path) }
    }
}
