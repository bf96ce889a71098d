import BoardCatalog
import Flash
import Foundation
import USB

/// An AVR programmed over ISP through a USBasp (picoboot-usbasp.md part B).
///
/// The ISP has a chip erase and no page erase (B4), so the target declares `canEraseSectors: false` and the
/// flash core rewrites the chip after one erase when a page must go back to 0xFF. Reads and writes use the
/// firmware's block requests with a long address (B2): SETLONGADDRESS is sent only when the device's address
/// pointer is not already there, as the firmware advances it by every byte read or written.
public final class USBaspProgrammer: FlashTarget {
    public let transport: USBaspTransport
    /// The flash region: its start maps to ISP byte address 0.
    public let region: MemoryRegion
    /// Flash page size from the board (128 bytes on the ATmega328P): one WRITEFLASH block per page.
    public let pageSize: Int
    public let capabilities: FlashCapabilities
    /// The firmware's read block size in avrdude (USBASP_READBLOCKSIZE, B2); V-USB takes at most 254 per request.
    static let readBlockSize = 200
    /// Waits on the host: real hardware needs RESET held ≥ 20 ms before Programming Enable (B5) and the chip
    /// erase time before the next instruction. Injectable so tests need not sleep.
    var sleep: (Double) -> Void = { milliseconds in usleep(UInt32(milliseconds * 1000)) }
    /// Where the firmware's address pointer stands, when known.
    private var pointer: UInt32?

    /// EEPROM bytes (1024 on the ATmega328P); kept across a chip erase, which clears them unless EESAVE is set.
    public let eepromSize: Int

    public init(transport: USBaspTransport, region: MemoryRegion, eepromSize: Int = 0) {
        self.transport = transport
        self.region = region
        self.eepromSize = eepromSize
        pageSize = max(2, region.writeUnit)
        capabilities = FlashCapabilities(maxTransferSize: pageSize, canEraseSectors: false, canMassErase: true)
    }

    // MARK: Session

    /// avrdude's initialize (B3 step 2): set the ISP clock (auto), CONNECT (RESET low), wait, Programming Enable.
    public func connect() throws {
        let sck = try transport.controlIn(.setISPSCK, send: [0, 0, 0, 0], length: 4)
        guard sck == [0] else { throw USBaspError.sckRefused(sck) }
        _ = try transport.controlIn(.connect, send: [], length: 4)
        pointer = nil
        sleep(25)
        let answer = try transport.controlIn(.enableProg, send: [], length: 4)
        guard answer == [0] else { throw USBaspError.targetNotAnswering }
    }

    /// Releases RESET: the AVR starts its firmware.
    public func disconnect() throws {
        _ = try transport.controlIn(.disconnect, send: [], length: 4)
        pointer = nil
    }

    /// One ISP instruction; the fourth reply byte.
    @discardableResult
    public func transmit(_ instruction: [UInt8]) throws -> UInt8 {
        let reply = try transport.controlIn(.transmit, send: instruction, length: 4)
        guard reply.count == 4 else { throw USBaspError.shortReply(instruction: instruction, got: reply.count) }
        return reply[3]
    }

    public func signature() throws -> [UInt8] {
        try (0..<3).map { try transmit(ISPInstruction.readSignature(UInt8($0))) }
    }

    public func fuses() throws -> AVRFuses {
        AVRFuses(low: try transmit(ISPInstruction.readLowFuse), high: try transmit(ISPInstruction.readHighFuse),
                 extended: try transmit(ISPInstruction.readExtendedFuse),
                 lock: try transmit(ISPInstruction.readLockBits))
    }

    // MARK: FlashTarget

    public func read(address: UInt64, count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            let here = address + UInt64(bytes.count)
            let size = min(Self.readBlockSize, count - bytes.count)
            let part = try transfer("read \(size) bytes", at: here) { offset in
                try transport.controlIn(.readFlash, send: Self.le16(offset), length: size)
            }
            guard !part.isEmpty else { break }
            bytes += part
            pointer = pointer.map { $0 + UInt32(part.count) }
        }
        return bytes
    }

    public func erase(sector: Sector) throws {
        throw USBaspError.notSupported("erase the page at \(hex(sector.start)): ISP has only a chip erase")
    }

    /// Chip Erase, then the datasheet wait (chip YAML mass_erase_ms) and a fresh initialize, as avrdude does
    /// (B3 step 4): the erase ends programming mode on some parts. Chip Erase also clears the EEPROM unless the
    /// EESAVE fuse (high fuse bit 3) is programmed (B4); atelier only asked for flash, so the EEPROM is read
    /// first and its non-blank bytes written back.
    public func massErase() throws {
        var eeprom: [UInt8] = []
        do {
            if eepromSize > 0, try transmit(ISPInstruction.readHighFuse) & 0x08 != 0 { eeprom = try readEEPROM() }
            try transmit(ISPInstruction.chipErase)
        } catch let error as USBError {
            throw USBaspError.transferFailed(operation: "chip erase", address: region.start, underlying: error)
        }
        sleep(region.massEraseMilliseconds ?? 9)
        try connect()
        try restoreEEPROM(eeprom)
    }

    /// The whole EEPROM through READEEPROM blocks.
    func readEEPROM() throws -> [UInt8] {
        var bytes: [UInt8] = []
        // In long-address mode the firmware ignores wValue: point it at 0, then it advances by itself.
        _ = try transport.controlIn(.setLongAddress, send: Self.le32(0), length: 4)
        while bytes.count < eepromSize {
            let size = min(Self.readBlockSize, eepromSize - bytes.count)
            bytes += try transport.controlIn(.readEEPROM, send: Self.le16(UInt32(bytes.count)), length: size)
        }
        pointer = nil
        return bytes
    }

    /// Writes back each run of non-blank EEPROM bytes with one WRITEEEPROM (the firmware writes byte by byte).
    private func restoreEEPROM(_ bytes: [UInt8]) throws {
        var index = 0
        while index < bytes.count {
            guard bytes[index] != 0xFF else {
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, bytes[end] != 0xFF, end - index < Self.readBlockSize { end += 1 }
            do {
                _ = try transport.controlIn(.setLongAddress, send: Self.le32(UInt32(index)), length: 4)
                try transport.controlOut(.writeEEPROM, send: Self.le16(UInt32(index)), data: Array(bytes[index..<end]))
            } catch let error as USBError {
                throw USBaspError.transferFailed(operation: "EEPROM restore after the chip erase",
                                                 address: UInt64(index), underlying: error)
            }
            index = end
        }
        pointer = nil
    }

    /// Whole pages: one WRITEFLASH block per page with FIRST and LAST, so the firmware writes each page as soon as
    /// its bytes are in, and a short last page too.
    public func program(address: UInt64, bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let here = address + UInt64(offset)
            let page = Array(bytes[offset..<min(bytes.count, offset + pageSize)])
            let flags: USBaspBlockFlags = [.first, .last]
            let size = UInt16(pageSize)
            try transfer("write \(page.count) bytes", at: here) { offset in
                let send = Self.le16(offset) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0x0F) << 4 | flags.rawValue]
                try transport.controlOut(.writeFlash, send: send, data: page)
            }
            pointer = pointer.map { $0 + UInt32(page.count) }
            offset += page.count
        }
    }

    // MARK: Helpers

    /// Points the firmware at `address` (SETLONGADDRESS unless already there) and runs one block request with
    /// the ISP offset's low 16 bits (the "compat" wValue the firmware ignores in long-address mode).
    @discardableResult
    private func transfer<T>(_ operation: String, at address: UInt64, _ body: (UInt32) throws -> T) throws -> T {
        let offset = UInt32(truncatingIfNeeded: address - region.start)
        do {
            if pointer != offset {
                pointer = nil
                _ = try transport.controlIn(.setLongAddress, send: Self.le32(offset), length: 4)
                pointer = offset
            }
            return try body(offset)
        } catch let error as USBError {
            pointer = nil
            throw USBaspError.transferFailed(operation: operation, address: address, underlying: error)
        }
    }

    static func le16(_ value: UInt32) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }

    static func le32(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }
}
