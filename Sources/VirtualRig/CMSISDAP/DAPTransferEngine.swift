/// DAP_Transfer and DAP_TransferBlock over an SW-DP, as ARM's firmware runs them (`cmsis-dap.md` section 4):
/// requests in order until one is not acknowledged OK, with the SW-DP's posted AP reads hidden from the host.
///
/// An AP read on the wire returns the previous AP read's value. The firmware therefore issues an AP read and
/// keeps it pending; the next plain AP read collects it (and becomes pending itself), anything else collects it
/// with a DP RDBUFF read. After the last request a pending read is collected the same way, and otherwise RDBUFF is
/// read once more so that a posted write which failed is reported in this command's ACK. The host sees every
/// register value in request order, and its own RDBUFF read returns the last AP read again.
///
/// ```swift
/// let engine = DAPTransferEngine(port: SWDebugPort(chip: chip))
/// // [dap index, count 1, DP read DPIDR]
/// engine.transfer([0, 1, 0x02])   // [1 done, ACK OK, 0x77, 0x14, 0xA0, 0x2B]
/// ```
final class DAPTransferEngine {
    let port: DebugPort
    /// DAP_TransferConfigure: how often a WAIT is retried, and how often a match read reads again.
    var waitRetry = 100
    var matchRetry = 0
    /// The mask of match reads, loaded by a write request with MATCH_MASK.
    var matchMask: UInt32 = 0xFFFF_FFFF

    init(port: DebugPort) {
        self.port = port
    }

    /// The body of a DAP_Transfer reply for the request body `[index, count, {request, [word]}…]`: count done,
    /// the last response, then one word per completed read.
    func transfer(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var reader = DAPReader(body)
        _ = reader.byte()  // DAP index: one SW-DP, no JTAG chain.
        let requests = Int(reader.byte() ?? 0)
        var run = TransferRun()
        for _ in 0..<requests {
            guard let raw = reader.byte() else {
                run.response = DAPTransferResponse.protocolError
                break
            }
            guard perform(DAPTransferRequest(raw: raw), &reader, &run) else { break }
            run.done += 1
        }
        if run.response == DAPTransferResponse.ok {
            if run.readPending {
                collectPendingRead(&run)
            } else {
                run.response = access(.readBuffer).response
            }
        }
        return [UInt8(truncatingIfNeeded: run.done), run.response] + run.data
    }

    /// The body of a DAP_TransferBlock reply for `[index, count u16, request, words…]`: count done (u16), the
    /// response, then the words read. One register, read or written `count` times.
    func transferBlock(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var reader = DAPReader(body)
        _ = reader.byte()
        let count = Int(reader.half() ?? 0)
        var done = 0
        var response: UInt8 = 0
        var data: [UInt8] = []
        if count > 0, let raw = reader.byte() {
            let request = DAPTransferRequest(raw: raw)
            if request.isRead {
                response = DAPTransferResponse.ok
                if request.isAccessPort { response = access(request).response }
                while done < count, response == DAPTransferResponse.ok {
                    // The last AP read's value is still in flight: RDBUFF brings it.
                    let next = done == count - 1 && request.isAccessPort ? DAPTransferRequest.readBuffer : request
                    let result = access(next)
                    response = result.response
                    guard response == DAPTransferResponse.ok else { break }
                    data += DAPReader.le32(result.value)
                    done += 1
                }
            } else {
                while done < count {
                    guard let word = reader.word() else {
                        response = DAPTransferResponse.protocolError
                        break
                    }
                    response = access(request, word).response
                    guard response == DAPTransferResponse.ok else { break }
                    done += 1
                }
                if response == DAPTransferResponse.ok { response = access(.readBuffer).response }
            }
        }
        return DAPReader.le16(UInt16(truncatingIfNeeded: done)) + [response] + data
    }

    // MARK: One request

    /// The state of one DAP_Transfer command.
    private struct TransferRun {
        var done = 0
        var response: UInt8 = 0
        var data: [UInt8] = []
        var readPending = false
    }

    /// One request of a DAP_Transfer; false stops the command (not acknowledged, mismatch, request cut short).
    private func perform(_ request: DAPTransferRequest, _ reader: inout DAPReader, _ run: inout TransferRun) -> Bool {
        if request.isRead {
            if run.readPending {
                if request.isAccessPort, !request.matchValue {
                    // The next AP read brings the pending value and stays pending itself.
                    let result = access(request)
                    run.response = result.response
                    guard result.response == DAPTransferResponse.ok else { return false }
                    run.data += DAPReader.le32(result.value)
                    return true
                }
                guard collectPendingRead(&run) else { return false }
            }
            if request.matchValue {
                guard let expected = reader.word() else {
                    run.response = DAPTransferResponse.protocolError
                    return false
                }
                return matchRead(request, expected: expected, &run)
            }
            let result = access(request)
            run.response = result.response
            guard result.response == DAPTransferResponse.ok else { return false }
            if request.isAccessPort {
                run.readPending = true
            } else {
                run.data += DAPReader.le32(result.value)
            }
            return true
        }
        if run.readPending {
            guard collectPendingRead(&run) else { return false }
        }
        guard let word = reader.word() else {
            run.response = DAPTransferResponse.protocolError
            return false
        }
        if request.matchMask {
            matchMask = word
            run.response = DAPTransferResponse.ok
            return true
        }
        run.response = access(request, word).response
        return run.response == DAPTransferResponse.ok
    }

    /// Reads until `value & matchMask == expected` or the match retries run out; an AP register is read once
    /// first so that each later read returns a fresh value.
    private func matchRead(_ request: DAPTransferRequest, expected: UInt32, _ run: inout TransferRun) -> Bool {
        if request.isAccessPort {
            run.response = access(request).response
            guard run.response == DAPTransferResponse.ok else { return false }
        }
        var retries = matchRetry
        while true {
            let result = access(request)
            run.response = result.response
            guard result.response == DAPTransferResponse.ok else { return false }
            if result.value & matchMask == expected { return true }
            guard retries > 0 else { break }
            retries -= 1
        }
        run.response |= DAPTransferResponse.mismatch
        return false
    }

    /// Reads RDBUFF for the pending AP read and stores its value.
    @discardableResult
    private func collectPendingRead(_ run: inout TransferRun) -> Bool {
        let result = access(.readBuffer)
        run.response = result.response
        guard result.response == DAPTransferResponse.ok else { return false }
        run.data += DAPReader.le32(result.value)
        run.readPending = false
        return true
    }

    /// One SWD transaction, repeated while the target answers WAIT and retries remain.
    private func access(_ request: DAPTransferRequest, _ value: UInt32 = 0) -> (response: UInt8, value: UInt32) {
        var retries = waitRetry
        while true {
            let result: (ack: DebugAck, value: UInt32)
            switch (request.isAccessPort, request.isRead) {
            case (false, true): result = port.dpRead(request.address)
            case (false, false): result = (port.dpWrite(request.address, value), 0)
            case (true, true): result = port.apRead(request.address)
            case (true, false): result = (port.apWrite(request.address, value), 0)
            }
            guard result.ack == .wait, retries > 0 else { return (result.ack.rawValue, result.value) }
            retries -= 1
        }
    }
}

/// Little-endian fields of a CMSIS-DAP packet, read front to back; nil when the packet ends early.
struct DAPReader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    mutating func byte() -> UInt8? { bytes.popFirst() }

    mutating func half() -> UInt16? {
        guard bytes.count >= 2 else { return nil }
        defer { bytes = bytes.dropFirst(2) }
        return UInt16(bytes[bytes.startIndex]) | UInt16(bytes[bytes.startIndex + 1]) << 8
    }

    mutating func word() -> UInt32? {
        guard bytes.count >= 4 else { return nil }
        defer { bytes = bytes.dropFirst(4) }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[bytes.startIndex + $1]) << (8 * UInt32($1)) }
    }

    /// What is left, e.g. the bit data of DAP_SWJ_Sequence.
    var rest: ArraySlice<UInt8> { bytes }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
