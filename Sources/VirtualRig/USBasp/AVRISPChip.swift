import BoardCatalog

/// An AVR in serial programming mode, as its ISP pins see it: the 4-byte instructions of the ATmega328P
/// datasheet's "Serial Programming Instruction Set" (opcodes in picoboot-usbasp.md B4), over a flash array from
/// the chip YAML (erased 0xFF, page writes that only clear bits), an EEPROM, fuses and lock bits.
///
/// Each instruction returns its reply and the datasheet time it starts (page write 4.5 ms, chip erase 9 ms,
/// EEPROM 3.6 ms, fuse 4.5 ms: B5); the programmer model decides who waits for it.
public final class AVRISPChip {
    public let flash: VirtualFlash
    public let eeprom: VirtualFlash
    public let signature: [UInt8]
    /// Flash page size in bytes (the region's write unit: 128 on the ATmega328P).
    public let pageSize: Int
    public var lowFuse: UInt8 = 0xFF
    public var highFuse: UInt8 = 0xDE
    public var extendedFuse: UInt8 = 0xFD
    public var lockBits: UInt8 = 0xFF
    /// Set by Programming Enable after RESET went low; nothing else is answered before it (datasheet: the
    /// device is out of sync and echoes nothing useful).
    public private(set) var programmingEnabled = false
    private var pageBuffer: [UInt8]
    private var eepromPage: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]

    /// B5: EEPROM and fuse write times, which the chip YAML does not carry.
    static let eepromWriteMilliseconds = 3.6
    static let fuseWriteMilliseconds = 4.5
    /// Calibration byte: any plausible factory value.
    static let calibration: UInt8 = 0x9C

    public init(chip: Chip) throws {
        guard let region = chip.flash, let signature = chip.debug?.signature, signature.count == 3,
            chip.debug?.interface == .isp
        else {
            throw VirtualRigError.unsupportedBoard(
                kind: "usbasp", board: chip.id,
                reason: "a USBasp programs AVR chips over ISP; chip '\(chip.id)' has no ISP signature and flash")
        }
        flash = VirtualFlash(region: region)
        // The EEPROM is byte-addressed from 0 over ISP whatever the ELF address (0x810000); one "sector" per byte
        // because each EEPROM write erases and writes its byte in one step.
        let eepromSize = chip.memory.first { $0.kind == .eeprom }?.size ?? 0
        eeprom = VirtualFlash(region: MemoryRegion(
            name: "eeprom", kind: .eeprom, start: 0, size: eepromSize,
            sectors: eepromSize > 0 ? [SectorGroup(size: 1, count: Int(eepromSize), eraseMilliseconds: 0)] : [],
            writeUnit: 1, programMicroseconds: 0))
        self.signature = signature
        pageSize = max(2, region.writeUnit)
        pageBuffer = [UInt8](repeating: 0xFF, count: pageSize)
    }

    /// RESET released or pulsed: the chip leaves programming mode and forgets its page buffer.
    public func reset() {
        programmingEnabled = false
        pageBuffer = [UInt8](repeating: 0xFF, count: pageSize)
    }

    /// One ISP instruction: the four bytes clocked back and the datasheet time the chip is busy afterwards.
    /// The chip echoes the previous byte: reply[1] = byte 1, reply[2] = byte 2 (the 0x53 check), reply[3] data.
    public func transmit(_ bytes: [UInt8]) -> (reply: [UInt8], milliseconds: Double) {
        guard bytes.count == 4 else { return ([0, 0, 0, 0], 0) }
        let (b1, b2, b3, b4) = (bytes[0], bytes[1], bytes[2], bytes[3])
        if b1 == 0xAC && b2 == 0x53 {
            programmingEnabled = true
            return ([0, b1, b2, b3], 0)
        }
        // Out of sync: the data line floats high.
        guard programmingEnabled else { return ([0xFF, 0xFF, 0xFF, 0xFF], 0) }
        var out: UInt8 = b3
        var milliseconds = 0.0
        let word = Int(b2) << 8 | Int(b3)
        switch b1 {
        case 0x20, 0x28:
            // Read Program Memory low/high byte at the word address.
            out = flash.read(flash.start + UInt64(word * 2 + (b1 == 0x28 ? 1 : 0)), count: 1).first ?? 0xFF
        case 0x40, 0x48:
            // Load Program Memory Page: word offset in byte 3, masked to the page (64 words).
            let offset = (Int(b3) * 2 + (b1 == 0x48 ? 1 : 0)) % pageSize
            pageBuffer[offset] = b4
            out = b3
        case 0x4C:
            milliseconds = writePage(wordAddress: word)
        case 0x4D:
            out = b3 // Load Extended Address: only parts over 128 KiB need it.
        case 0xA0:
            out = eeprom.read(UInt64(word & 0x3FF), count: 1).first ?? 0xFF
        case 0xC0:
            milliseconds = writeEEPROM(word & 0x3FF, b4)
        case 0xC1:
            eepromPage[Int(b3) & 3] = b4
        case 0xC2:
            for index in 0..<4 { milliseconds += writeEEPROM((word & 0x3FC) + index, eepromPage[index]) }
            eepromPage = [0xFF, 0xFF, 0xFF, 0xFF]
        case 0x30:
            out = Int(b3 & 3) < signature.count ? signature[Int(b3 & 3)] : 0xFF
        case 0x38:
            out = Self.calibration
        case 0x50:
            out = b2 == 0x08 ? extendedFuse : lowFuse
        case 0x58:
            out = b2 == 0x08 ? highFuse : lockBits
        case 0xF0:
            out = 0 // Poll RDY/BSY: the rig makes the host wait instead, so the chip reads ready.
        case 0xAC:
            milliseconds = writeCommand(b2, data: b4)
        default:
            out = 0
        }
        return ([0, b1, b2, out], milliseconds)
    }

    /// Write Program Memory Page: the word address's page bits choose the page (the low bits are ignored, as
    /// the USBasp firmware sends the address of the page's last byte).
    private func writePage(wordAddress: Int) -> Double {
        let address = (wordAddress * 2) / pageSize * pageSize
        let milliseconds = (try? flash.program(flash.start + UInt64(address), pageBuffer)) ?? 0
        pageBuffer = [UInt8](repeating: 0xFF, count: pageSize)
        return milliseconds
    }

    private func writeEEPROM(_ address: Int, _ value: UInt8) -> Double {
        guard eeprom.contains(UInt64(address)) else { return 0 }
        _ = try? eeprom.eraseSector(containing: UInt64(address))
        _ = try? eeprom.program(UInt64(address), [value])
        return Self.eepromWriteMilliseconds
    }

    /// The 0xAC group: chip erase and fuse/lock writes.
    private func writeCommand(_ b2: UInt8, data: UInt8) -> Double {
        switch b2 {
        case 0x80:
            // Chip Erase: flash, lock bits, and the EEPROM unless EESAVE (high fuse bit 3) is programmed (0).
            let milliseconds = flash.massErase()
            if highFuse & 0x08 != 0 { eeprom.massErase() }
            lockBits = 0xFF
            return milliseconds
        case 0xA0: lowFuse = data
        case 0xA8: highFuse = data
        case 0xA4: extendedFuse = data | 0xF8
        case 0xE0: lockBits &= data | 0xC0
        default: return 0
        }
        return Self.fuseWriteMilliseconds
    }
}
