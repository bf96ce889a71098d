import BoardCatalog
import Flash
import Foundation
import USB

/// Plain USB DFU 1.1 (no ST extensions): the device has no addresses and no erase command. A download is one
/// stream of DNLOAD blocks numbered 0, 1, 2… that the device writes from its own base address, ended by a
/// zero-length DNLOAD and manifestation; an upload streams the memory from the same base until a short frame
/// (DFU 1.1 sections 6.1, 6.2, 7 and appendix A).
///
/// So it is a stream-only `FlashTarget`: `capabilities.streamBase` tells the flash core to rewrite the whole
/// span from the base in one `writeStream`, and `read` serves sequential reads from one open upload.
public final class DFUProgrammer: FlashTarget {
    public let transport: DFUTransport
    /// wTransferSize from the functional descriptor: the largest DNLOAD or UPLOAD block.
    public let transferSize: Int
    /// Where the device's stream starts.
    public let base: UInt64
    /// bitManifestationTolerant: the device returns to dfuIDLE after manifestation and can be read back.
    public let manifestationTolerant: Bool
    public let capabilities: FlashCapabilities
    /// Polls of a busy device before giving up, as dfu-util does.
    var maximumPolls = 1000
    /// Waits bwPollTimeout milliseconds; injectable so tests need not sleep.
    var sleep: (UInt32) -> Void = { milliseconds in usleep(milliseconds * 1000) }
    /// The upload in progress, so sequential reads continue it instead of starting again from the base.
    private var upload: UploadRun?
    /// Set once a non-tolerant device has manifested: it must be reset before it answers again.
    private(set) var awaitsReset = false

    struct UploadRun {
        /// The address of the first byte in `buffer`, or of the next byte the device will send.
        var next: UInt64
        var block: UInt16 = 0
        var buffer: [UInt8] = []
        /// A short frame has arrived: the device is back in dfuIDLE and has nothing more.
        var ended = false
    }

    public init(transport: DFUTransport, transferSize: Int, base: UInt64, manifestationTolerant: Bool = true) {
        self.transport = transport
        self.transferSize = max(1, transferSize)
        self.base = base
        self.manifestationTolerant = manifestationTolerant
        capabilities = FlashCapabilities(maxTransferSize: self.transferSize, canEraseSectors: false,
                                         canMassErase: false, streamBase: base)
    }

    // MARK: FlashTarget

    /// Reads by UPLOAD from the base; a read that starts where the last one ended continues the same upload.
    public func read(address: UInt64, count: Int) throws -> [UInt8] {
        guard !awaitsReset else { throw DFUError.awaitsReset(operation: "read at \(hex(address))") }
        guard address >= base else {
            throw DFUError.notSupported("read at \(hex(address)): this device's memory starts at \(hex(base))")
        }
        if upload.map({ $0.next > address }) ?? true {
            try returnToIdle()
            upload = UploadRun(next: base)
        }
        guard var run = upload else { return [] }
        // After a failed UPLOAD the device may be in dfuERROR: the next read starts again from the base.
        var failed = true
        defer { upload = failed ? nil : run }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            if run.buffer.isEmpty {
                if run.ended { break }
                let here = run.next
                let part = try USBError.atBlock("read \(transferSize) bytes at \(hex(here))", address: here) {
                    try transport.controlIn(request: .upload, value: run.block, length: transferSize)
                }
                run.block &+= 1
                run.ended = part.count < transferSize
                run.buffer = part
                continue
            }
            if run.next < address {
                let skip = Int(min(address - run.next, UInt64(run.buffer.count)))
                run.buffer.removeFirst(skip)
                run.next += UInt64(skip)
                continue
            }
            let take = min(count - bytes.count, run.buffer.count)
            bytes += run.buffer.prefix(take)
            run.buffer.removeFirst(take)
            run.next += UInt64(take)
        }
        failed = false
        return bytes
    }

    public func erase(sector: Sector) throws {
        throw DFUError.notSupported("erase of the sector at \(hex(sector.start)): plain DFU has no erase command")
    }

    public func massErase() throws {
        throw DFUError.notSupported("mass erase: plain DFU has no erase command")
    }

    public func program(address: UInt64, bytes: [UInt8]) throws {
        throw DFUError.notSupported("write at \(hex(address)): plain DFU writes one stream from \(hex(base))")
    }

    public func writeStream(count: Int, bytes: (Range<Int>) throws -> [UInt8], written: (Int) -> Void) throws {
        guard !awaitsReset else { throw DFUError.awaitsReset(operation: "download") }
        try returnToIdle()
        var offset = 0
        var block: UInt16 = 0
        while offset < count {
            let chunk = try bytes(offset..<min(count, offset + transferSize))
            let name = "download block \(block) (\(chunk.count) bytes at \(hex(base + UInt64(offset))))"
            try USBError.atBlock(name, address: base + UInt64(offset)) {
                try transport.controlOut(request: .download, value: block, data: chunk)
                try poll(name, until: [.downloadIdle], waiting: [.downloadSync, .downloadBusy])
            }
            offset += chunk.count
            block &+= 1
            written(offset)
        }
        // A zero-length DNLOAD ends the download; the device then manifests (DFU 1.1 section 7).
        try transport.controlOut(request: .download, value: block, data: [])
        try manifest()
    }

    // MARK: Leaving DFU mode

    /// DFU_DETACH; a device in DFU mode may refuse it, and the caller resets the bus afterwards either way.
    public func detach(timeoutMilliseconds: UInt16 = 1000) throws {
        upload = nil
        try transport.controlOut(request: .detach, value: timeoutMilliseconds, data: [])
    }

    // MARK: State machine

    /// GETSTATUS polls after the zero-length DNLOAD: dfuMANIFEST-SYNC and dfuMANIFEST while the device works,
    /// then dfuIDLE (manifestation tolerant) or dfuMANIFEST-WAIT-RESET (it needs a USB reset).
    private func manifest() throws {
        for _ in 0..<maximumPolls {
            let status = try getStatus()
            if status.state == .error || status.status != .ok {
                try? transport.controlOut(request: .clearStatus, value: 0, data: [])
                throw DFUError.deviceError(operation: "manifestation", status: status.status, state: status.state)
            }
            switch status.state {
            case .dfuIdle:
                return
            case .manifestSync:
                sleep(status.pollTimeout)
            case .manifest:
                sleep(status.pollTimeout)
                // A device that is not manifestation tolerant may not answer again before its reset.
                if !manifestationTolerant {
                    awaitsReset = true
                    return
                }
            case .manifestWaitReset:
                awaitsReset = true
                return
            default:
                throw DFUError.unexpectedState(operation: "manifestation", expected: "dfuMANIFEST or dfuIDLE",
                                               got: status.state)
            }
        }
        throw DFUError.stuck(operation: "manifestation", polls: maximumPolls)
    }

    /// GETSTATUS until one of `states`, waiting bwPollTimeout between polls while in `waiting`. A device in
    /// dfuERROR is cleared (CLRSTATUS) so the next run starts from dfuIDLE, and the failure is reported.
    private func poll(_ operation: String, until states: Set<DFUState>, waiting: Set<DFUState>) throws {
        for _ in 0..<maximumPolls {
            let status = try getStatus()
            if status.state == .error || status.status != .ok {
                try? transport.controlOut(request: .clearStatus, value: 0, data: [])
                throw DFUError.deviceError(operation: operation, status: status.status, state: status.state)
            }
            if states.contains(status.state) { return }
            guard waiting.contains(status.state) else {
                throw DFUError.unexpectedState(operation: operation, expected: "dfuDNLOAD-IDLE", got: status.state)
            }
            sleep(status.pollTimeout)
        }
        throw DFUError.stuck(operation: operation, polls: maximumPolls)
    }

    /// Brings the device to dfuIDLE from wherever a previous run (or a fault) left it: CLRSTATUS from dfuERROR,
    /// ABORT from the idle and sync states, waiting out busy ones (DFU 1.1 appendix A).
    func returnToIdle() throws {
        upload = nil
        for _ in 0..<8 {
            let status = try getStatus()
            switch status.state {
            case .dfuIdle:
                if status.status == .ok { return }
                try transport.controlOut(request: .clearStatus, value: 0, data: [])
            case .error:
                try transport.controlOut(request: .clearStatus, value: 0, data: [])
            case .downloadIdle, .uploadIdle, .downloadSync, .manifestSync:
                try transport.controlOut(request: .abort, value: 0, data: [])
            case .downloadBusy, .manifest:
                sleep(status.pollTimeout)
            case .manifestWaitReset:
                throw DFUError.awaitsReset(operation: "open")
            case .appIdle, .appDetach:
                throw DFUError.unexpectedState(operation: "open", expected: "dfuIDLE (DFU mode)", got: status.state)
            }
        }
        throw DFUError.unexpectedState(operation: "return to idle", expected: "dfuIDLE", got: try getStatus().state)
    }

    func getStatus() throws -> DFUStatus {
        try DFUStatus(reply: transport.controlIn(request: .getStatus, value: 0, length: 6))
    }
}
