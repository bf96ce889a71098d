import BoardCatalog
import Flash
import USB

/// The RP2040 boot ROM's PICOBOOT interface as a `FlashTarget` (picoboot-usbasp.md A2–A4).
///
/// Sessions start as picotool's do: PICOBOOT_IF_RESET, EXCLUSIVE_ACCESS(1), then EXIT_XIP before any flash
/// command. Each operation is one transaction: command, data phase, and the handshake the other way. When the
/// ROM stalls, the status record says why; the interface is reset so the next command starts clean.
public final class PICOBOOTProgrammer: FlashTarget {
    public let transport: PICOBOOTTransport
    public let region: MemoryRegion
    /// ROM rule (A3): flash READ and WRITE addresses are 256-byte aligned, erases 4 KiB aligned.
    static let pageSize: UInt64 = 256
    /// picotool loads in 4 KiB batches (A4); one sector per transfer keeps the core's pipeline simple.
    public let capabilities = FlashCapabilities(maxTransferSize: 4096, canEraseSectors: true, canMassErase: true)
    private var token: UInt32 = 1

    public init(transport: PICOBOOTTransport, region: MemoryRegion) {
        self.transport = transport
        self.region = region
    }

    /// Reset the interface, take exclusive access (MSC writes blocked) and leave XIP for flash commands.
    public func open() throws {
        _ = try transport.interfaceRequest(.reset)
        try run(.exclusiveAccess(1), "exclusive access", at: 0)
        try run(.exitXIP, "exit XIP", at: region.start)
    }

    /// The RP2040 boot ROM identifies itself with 'M', 'u', 1 at 0x10 (A4, as picotool checks).
    public func romMarker() throws -> [UInt8] {
        Array(try run(.read(address: 0x10, size: 4), "read the ROM marker", at: 0x10).prefix(3))
    }

    /// REBOOT into the flash image: pc 0 (normal boot), sp at the top of SRAM, after 500 ms, as picotool -x does.
    public func reboot() throws {
        try run(.reboot(pc: 0, sp: 0x2004_2000, delayMilliseconds: 500), "reboot", at: 0)
    }

    // MARK: FlashTarget

    /// Reads whole 256-byte pages around the range (the ROM refuses unaligned flash reads) and returns the part
    /// asked for.
    public func read(address: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        let start = address / Self.pageSize * Self.pageSize
        let end = (address + UInt64(count) + Self.pageSize - 1) / Self.pageSize * Self.pageSize
        let bytes = try run(.read(address: UInt32(truncatingIfNeeded: start), size: UInt32(end - start)),
                            "read \(count) bytes", at: address)
        let offset = Int(address - start)
        return Array(bytes.dropFirst(offset).prefix(count))
    }

    public func erase(sector: Sector) throws {
        try run(.flashErase(address: UInt32(truncatingIfNeeded: sector.start), size: UInt32(sector.size)),
                "erase of the sector", at: sector.start)
    }

    /// FLASH_ERASE over the whole flash region: the ROM erases it a sector or block at a time.
    public func massErase() throws {
        try run(.flashErase(address: UInt32(truncatingIfNeeded: region.start), size: UInt32(region.size)),
                "erase of the whole flash", at: region.start)
    }

    public func program(address: UInt64, bytes: [UInt8]) throws {
        try run(.write(address: UInt32(truncatingIfNeeded: address), size: UInt32(bytes.count)),
                "write \(bytes.count) bytes", at: address, data: bytes)
    }

    // MARK: Transactions

    /// One PICOBOOT transaction (A4). IN commands return their data.
    @discardableResult
    func run(_ command: PICOBOOTCommand, _ operation: String, at address: UInt64, data: [UInt8] = [])
        throws -> [UInt8]
    {
        let current = token
        token &+= 1
        do {
            try transport.send(command.encode(token: current))
            if command.id.isIn {
                var bytes: [UInt8] = []
                while bytes.count < Int(command.transferLength) {
                    let part = try transport.receive(length: Int(command.transferLength) - bytes.count)
                    if part.isEmpty { break }
                    bytes += part
                }
                // The host acknowledges an IN command with one OUT packet (picotool sends one byte).
                try transport.send([0])
                return bytes
            }
            if !data.isEmpty { try transport.send(data) }
            // The ROM answers an OUT command with a zero-length packet once the flash work is done.
            _ = try transport.receive(length: 0)
            return []
        } catch USBError.pipe(let request) {
            throw failure(operation, at: address, stalled: USBError.pipe(operation: request))
        } catch let error as USBError {
            throw PICOBOOTError.transferFailed(operation: operation, address: address, underlying: error)
        }
    }

    /// After a stall: read the status record, reset the interface, and say what the ROM refused.
    private func failure(_ operation: String, at address: UInt64, stalled: USBError) -> Error {
        guard let record = try? transport.interfaceRequest(.commandStatus), let status = PICOBOOTStatus(record),
            status.code != 0
        else {
            _ = try? transport.interfaceRequest(.reset)
            return PICOBOOTError.transferFailed(operation: operation, address: address, underlying: stalled)
        }
        _ = try? transport.interfaceRequest(.reset)
        return PICOBOOTError.commandFailed(operation: operation, address: address, status: status.codeName)
    }
}
