/// DAP_Info: one fact about the probe, as raw bytes (empty when the probe does not have it).
public struct DAPInfo: DAPCommand {
    public var item: DAPInfoID
    public var id: DAPCommandID { .info }
    public var name: String { "DAP_Info \(hex2(item.rawValue))" }
    public init(_ item: DAPInfoID) { self.item = item }

    public func encode() -> [UInt8] { [id.rawValue, item.rawValue] }

    public func decode(_ response: [UInt8]) throws(CMSISDAPError) -> [UInt8] {
        let body = try payload(response, atLeast: 1)
        let length = Int(body[body.startIndex])
        guard body.count >= 1 + length else {
            throw .malformedResponse(command: name, detail: "\(body.count - 1) info bytes instead of \(length)")
        }
        return Array(body.dropFirst().prefix(length))
    }

    /// A string item without its NUL terminator; nil when absent.
    static func string(_ bytes: [UInt8]) -> String? {
        let text = bytes.prefix { $0 != 0 }
        return text.isEmpty ? nil : String(decoding: text, as: UTF8.self)
    }
}

/// DAP_Connect: SWD (1) is the only port atelier uses; the probe echoes the port it initialised (0 = failed).
public struct DAPConnect: DAPCommand {
    public static let swd: UInt8 = 1
    public var port: UInt8 = swd
    public var id: DAPCommandID { .connect }
    public var name: String { "DAP_Connect" }

    public func encode() -> [UInt8] { [id.rawValue, port] }

    public func decode(_ response: [UInt8]) throws(CMSISDAPError) -> UInt8 {
        try payload(response, atLeast: 1).first ?? 0
    }
}

/// The commands whose response is `[id, status]`.
public struct DAPStatusCommand: DAPCommand, Sendable {
    public var id: DAPCommandID
    public var name: String
    var arguments: [UInt8]

    public func encode() -> [UInt8] { [id.rawValue] + arguments }
    public func decode(_ response: [UInt8]) throws(CMSISDAPError) { try checkStatus(response) }

    public static let disconnect = DAPStatusCommand(id: .disconnect, name: "DAP_Disconnect", arguments: [])

    /// LED state: `type` 0 = connected, 1 = running.
    public static func hostStatus(type: UInt8, on: Bool) -> DAPStatusCommand {
        DAPStatusCommand(id: .hostStatus, name: "DAP_HostStatus", arguments: [type, on ? 1 : 0])
    }

    public static func swjClock(hertz: UInt32) -> DAPStatusCommand {
        DAPStatusCommand(id: .swjClock, name: "DAP_SWJ_Clock \(hertz) Hz", arguments: LE.bytes(hertz))
    }

    /// Bits on SWDIO, LSB first; 1 to 256 bits (256 is sent as 0).
    public static func swjSequence(bits: Int, _ data: [UInt8]) -> DAPStatusCommand {
        DAPStatusCommand(id: .swjSequence, name: "DAP_SWJ_Sequence",
                         arguments: [UInt8(truncatingIfNeeded: bits)] + data)
    }

    /// Turnaround of one cycle, no data phase on WAIT/FAULT: what OpenOCD sends.
    public static let swdConfigure = DAPStatusCommand(id: .swdConfigure, name: "DAP_SWD_Configure", arguments: [0])

    /// Idle cycles after a transfer, how often the probe retries a WAIT, and how often a match read re-reads.
    public static func transferConfigure(idleCycles: UInt8, waitRetry: UInt16, matchRetry: UInt16)
        -> DAPStatusCommand
    {
        DAPStatusCommand(id: .transferConfigure, name: "DAP_TransferConfigure",
                         arguments: [idleCycles] + LE.bytes16(waitRetry) + LE.bytes16(matchRetry))
    }

    /// Writes the DP ABORT register of DAP index 0.
    public static func writeABORT(_ value: UInt32) -> DAPStatusCommand {
        DAPStatusCommand(id: .writeABORT, name: "DAP_WriteABORT \(hexWord(value))", arguments: [0] + LE.bytes(value))
    }
}

/// DAP_SWJ_Pins: drives the selected pins (bit 7 nRESET) and answers the pins' levels.
public struct DAPSWJPins: DAPCommand {
    public static let nRESET: UInt8 = 1 << 7
    public var output: UInt8
    public var select: UInt8
    public var waitMicroseconds: UInt32 = 0
    public var id: DAPCommandID { .swjPins }
    public var name: String { "DAP_SWJ_Pins" }

    public func encode() -> [UInt8] { [id.rawValue, output, select] + LE.bytes(waitMicroseconds) }

    public func decode(_ response: [UInt8]) throws(CMSISDAPError) -> UInt8 {
        try payload(response, atLeast: 1).first ?? 0
    }
}

/// DAP_ResetTarget: the probe's device-specific reset sequence; answers whether it has one.
public struct DAPResetTarget: DAPCommand {
    public var id: DAPCommandID { .resetTarget }
    public var name: String { "DAP_ResetTarget" }

    public func encode() -> [UInt8] { [id.rawValue] }

    public func decode(_ response: [UInt8]) throws(CMSISDAPError) -> Bool {
        let body = try payload(response, atLeast: 2)
        guard body[body.startIndex] == DAPStatus.ok else {
            throw .commandFailed(command: name, status: body[body.startIndex])
        }
        return body[body.startIndex + 1] != 0
    }
}
