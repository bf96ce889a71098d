/// One DP or AP register access inside a DAP_Transfer: a read, or a write of `value`.
public struct DAPTransferRequest: Sendable, Equatable {
    public var register: DAPRegister
    public var value: UInt32?

    public static func read(_ register: DAPRegister) -> DAPTransferRequest {
        DAPTransferRequest(register: register, value: nil)
    }

    public static func write(_ register: DAPRegister, _ value: UInt32) -> DAPTransferRequest {
        DAPTransferRequest(register: register, value: value)
    }

    public var isRead: Bool { value == nil }

    /// The request byte: bit 0 APnDP, bit 1 RnW, bits 3:2 A[3:2] (cmsis-dap.md section 4).
    var byte: UInt8 {
        (register.accessPort ? 1 : 0) | (isRead ? 2 : 0) | register.offset & 0x0C
    }

    /// Bytes it takes in a request packet, and in the response.
    var requestSize: Int { isRead ? 1 : 5 }
    var responseSize: Int { isRead ? 4 : 0 }
}

/// What a DAP_Transfer or DAP_TransferBlock did: how many requests completed, the last ACK byte, and the values
/// of the completed reads in request order (the probe has already undone the AP's posted reads).
public struct DAPTransferResult: Sendable, Equatable {
    public var done: Int
    public var response: UInt8
    public var values: [UInt32]

    public var succeeded: Bool { response == DAPAck.ok.rawValue }
}

/// DAP_Transfer: a list of DP/AP accesses on DAP index 0, stopped by the probe at the first failure.
public struct DAPTransfer: DAPCommand {
    public var requests: [DAPTransferRequest]
    public var id: DAPCommandID { .transfer }
    public var name: String { "DAP_Transfer of \(requests.count)" }

    public init(_ requests: [DAPTransferRequest]) { self.requests = requests }

    /// How many requests fit one packet of `packetSize` bytes, both ways.
    public static func fits(_ requests: [DAPTransferRequest], packetSize: Int) -> Bool {
        requests.count <= 255 && 3 + requests.reduce(0) { $0 + $1.requestSize } <= packetSize
            && 3 + requests.reduce(0) { $0 + $1.responseSize } <= packetSize
    }

    public func encode() -> [UInt8] {
        var bytes: [UInt8] = [id.rawValue, 0, UInt8(requests.count)]
        for request in requests {
            bytes.append(request.byte)
            if let value = request.value { bytes += LE.bytes(value) }
        }
        return bytes
    }

    public func decode(_ response: [UInt8]) throws(CMSISDAPError) -> DAPTransferResult {
        let body = Array(try payload(response, atLeast: 2))
        let done = Int(body[0])
        guard done <= requests.count else {
            throw .malformedResponse(command: name, detail: "\(done) completed transfers of \(requests.count)")
        }
        let reads = requests.prefix(done).filter(\.isRead).count
        guard body.count >= 2 + reads * 4 else {
            throw .malformedResponse(command: name, detail: "\(body.count - 2) data bytes for \(reads) reads")
        }
        let values = (0..<reads).map { LE.u32(body, at: 2 + $0 * 4) }
        return DAPTransferResult(done: done, response: body[1], values: values)
    }
}

/// DAP_TransferBlock: `count` accesses to one register (DRW, whose TAR auto-increments); writes carry their values.
public struct DAPTransferBlock: DAPCommand {
    public var register: DAPRegister
    /// The words to write; nil for a read of `count` words.
    public var values: [UInt32]?
    public var count: Int
    public var id: DAPCommandID { .transferBlock }
    public var name: String { "DAP_TransferBlock of \(count) \(values == nil ? "reads" : "writes")" }

    public static func read(_ register: DAPRegister, count: Int) -> DAPTransferBlock {
        DAPTransferBlock(register: register, values: nil, count: count)
    }

    public static func write(_ register: DAPRegister, _ values: [UInt32]) -> DAPTransferBlock {
        DAPTransferBlock(register: register, values: values, count: values.count)
    }

    /// The most words one packet carries: a write's request has 5 header bytes, a read's response 4.
    public static func maxWords(packetSize: Int, writing: Bool) -> Int {
        (packetSize - (writing ? 5 : 4)) / 4
    }

    public func encode() -> [UInt8] {
        let request = DAPTransferRequest(register: register, value: values == nil ? nil : 0)
        var bytes: [UInt8] = [id.rawValue, 0] + LE.bytes16(UInt16(count)) + [request.byte]
        for value in values ?? [] { bytes += LE.bytes(value) }
        return bytes
    }

    public func decode(_ response: [UInt8]) throws(CMSISDAPError) -> DAPTransferResult {
        let body = Array(try payload(response, atLeast: 3))
        let done = Int(LE.u16(body, at: 0))
        guard done <= count else {
            throw .malformedResponse(command: name, detail: "\(done) completed transfers of \(count)")
        }
        let reads = values == nil ? done : 0
        guard body.count >= 3 + reads * 4 else {
            throw .malformedResponse(command: name, detail: "\(body.count - 3) data bytes for \(reads) reads")
        }
        let values = (0..<reads).map { LE.u32(body, at: 3 + $0 * 4) }
        return DAPTransferResult(done: done, response: body[2], values: values)
    }
}
