import BoardCatalog
import Flash
import Foundation
import USB

/// ST's DfuSe extension of DFU 1.1, as the STM32 ROM bootloader speaks it (ST AN3156): every operation is a
/// command DNLOAD followed by GETSTATUS polls, and memory is addressed through a movable address pointer.
public final class DfuSeProgrammer: FlashTarget {
    public let transport: DFUTransport
    /// wTransferSize from the DFU functional descriptor: the largest DNLOAD or UPLOAD block.
    public let transferSize: Int
    public let capabilities: FlashCapabilities
    /// Polls of a busy device before giving up, as dfu-util does.
    var maximumPolls = 1000
    /// Waits between polls; injectable so tests need not sleep.
    var sleep: (UInt32) -> Void = { milliseconds in usleep(milliseconds * 1000) }

    public init(transport: DFUTransport, transferSize: Int) {
        self.transport = transport
        self.transferSize = max(1, transferSize)
        // Reads and writes of many blocks share one Set Address (AN3156: block n lands at
        // (n - 2) x wTransferSize past the pointer), so the core should hand over as much as it can at once.
        capabilities = FlashCapabilities(maxTransferSize: self.transferSize * 32)
    }

    /// Where the device's state machine was left, when this driver knows; nil forces a GETSTATUS first.
    private var knownState: DFUState?

    // MARK: FlashTarget

    public func read(address: UInt64, count: Int) throws -> [UInt8] {
        try prepareForCommand()
        try command(DfuSeCommand.setAddress(UInt32(truncatingIfNeeded: address)), name: "set address \(hex(address))")
        try abortToIdle()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        // Every block but the last is full size, so block n reads (n - 2) x wTransferSize past the pointer.
        var block: UInt16 = 2
        knownState = .uploadIdle
        while bytes.count < count {
            let length = min(transferSize, count - bytes.count)
            let here = address + UInt64(bytes.count)
            let part = try USBError.atBlock("read \(length) bytes at \(hex(here))", address: here) {
                try transport.controlIn(request: .upload, value: block, length: length)
            }
            guard part.count == length else {
                throw DFUError.malformedReply("UPLOAD block \(block)", expected: length, got: part.count)
            }
            bytes += part
            block += 1
        }
        try abortToIdle()
        return bytes
    }

    public func erase(sector: Sector) throws {
        try prepareForCommand()
        try command(DfuSeCommand.eraseSector(at: UInt32(truncatingIfNeeded: sector.start)),
                    name: "erase sector at \(hex(sector.start))")
    }

    public func massErase() throws {
        try prepareForCommand()
        try command(DfuSeCommand.massErase, name: "mass erase")
    }

    public func program(address: UInt64, bytes: [UInt8]) throws {
        try prepareForCommand()
        try command(DfuSeCommand.setAddress(UInt32(truncatingIfNeeded: address)), name: "set address \(hex(address))")
        var offset = 0
        var block: UInt16 = 2
        while offset < bytes.count {
            let chunk = Array(bytes[offset..<min(bytes.count, offset + transferSize)])
            let here = address + UInt64(offset)
            knownState = nil
            let name = "write \(chunk.count) bytes at \(hex(here))"
            try USBError.atBlock(name, address: here) {
                try transport.controlOut(request: .download, value: block, data: chunk)
                try waitWhileBusy(name, until: [.downloadIdle])
            }
            offset += chunk.count
            block += 1
        }
    }

    // MARK: Leaving the bootloader

    /// Starts the application at `address`: a zero-length DNLOAD after pointing at it (AN3156 "Leave DFU mode").
    public func leave(jumpingTo address: UInt64) throws {
        try prepareForCommand()
        try command(DfuSeCommand.setAddress(UInt32(truncatingIfNeeded: address)), name: "set address \(hex(address))")
        knownState = nil
        try transport.controlOut(request: .download, value: 2, data: [])
        // The device answers dfuMANIFEST and then leaves the bus; a failing status request is expected here.
        _ = try? getStatus()
    }

    // MARK: State machine

    /// DfuSe commands are accepted in dfuIDLE and dfuDNLOAD-IDLE; anything else is first brought to dfuIDLE.
    private func prepareForCommand() throws {
        if knownState == .dfuIdle || knownState == .downloadIdle { return }
        try returnToIdle()
    }

    /// Brings the device to dfuIDLE from wherever a previous run left it (DFU 1.1 appendix A).
    func returnToIdle() throws {
        knownState = nil
        for _ in 0..<4 {
            let status = try getStatus()
            switch status.state {
            case .dfuIdle:
                if status.status == .ok {
                    knownState = .dfuIdle
                    return
                }
                try transport.controlOut(request: .clearStatus, value: 0, data: [])
            case .error:
                try transport.controlOut(request: .clearStatus, value: 0, data: [])
            case .downloadIdle, .uploadIdle:
                try transport.controlOut(request: .abort, value: 0, data: [])
            case .appIdle, .appDetach:
                throw DFUError.unexpectedState(operation: "open", expected: "dfuIDLE (DFU mode)", got: status.state)
            default:
                sleep(status.pollTimeout)
            }
        }
        let status = try getStatus()
        guard status.state == .dfuIdle, status.status == .ok else {
            throw DFUError.unexpectedState(operation: "return to idle", expected: "dfuIDLE", got: status.state)
        }
        knownState = .dfuIdle
    }

    private func abortToIdle() throws {
        knownState = nil
        try transport.controlOut(request: .abort, value: 0, data: [])
        let status = try getStatus()
        guard status.state == .dfuIdle else {
            throw DFUError.unexpectedState(operation: "abort", expected: "dfuIDLE", got: status.state)
        }
        knownState = .dfuIdle
    }

    /// A DfuSe command: the device executes it on the first GETSTATUS (which must say busy) and reports on the next.
    private func command(_ bytes: [UInt8], name: String) throws {
        knownState = nil
        try transport.controlOut(request: .download, value: 0, data: bytes)
        let first = try getStatus()
        guard first.state == .downloadBusy else {
            if first.state == .error { throw DFUError.deviceError(operation: name, status: first.status, state: first.state) }
            throw DFUError.unexpectedState(operation: name, expected: "dfuDNBUSY", got: first.state)
        }
        sleep(first.pollTimeout)
        try waitWhileBusy(name, until: [.downloadIdle])
    }

    private func waitWhileBusy(_ operation: String, until states: Set<DFUState>) throws {
        for _ in 0..<maximumPolls {
            let status = try getStatus()
            if status.status != .ok || status.state == .error {
                throw DFUError.deviceError(operation: operation, status: status.status, state: status.state)
            }
            if states.contains(status.state) {
                knownState = status.state
                return
            }
            sleep(status.pollTimeout)
        }
        throw DFUError.stuck(operation: operation, polls: maximumPolls)
    }

    func getStatus() throws -> DFUStatus {
        try DFUStatus(reply: transport.controlIn(request: .getStatus, value: 0, length: 6))
    }
}
