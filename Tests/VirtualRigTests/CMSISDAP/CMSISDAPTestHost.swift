@testable import VirtualRig

/// Drives a `VirtualCMSISDAP` as a host does over USB: each command one OUT on EP 0x01, each response one IN on
/// EP 0x81 of the packet size.
struct CMSISDAPTestHost {
    let probe: VirtualCMSISDAP

    init(board: String = "nrf52840dk") throws {
        probe = VirtualCMSISDAP(chip: try ChipTestSupport.chip(board), serial: "0240000034544E45")
    }

    func submit(_ command: [UInt8]) {
        _ = probe.bulkOut(endpoint: 0x01, data: command)
    }

    /// The next response; nil when the IN stays pending.
    func receive() -> [UInt8]? {
        guard case .data(let bytes) = probe.bulkIn(endpoint: 0x81, capacity: 64) else { return nil }
        return bytes
    }

    @discardableResult
    func send(_ command: [UInt8]) -> [UInt8] {
        submit(command)
        return receive() ?? []
    }

    /// DAP_Connect(SWD), the JTAG-to-SWD switch with its line resets, the DPIDR read, ABORT and the power-up
    /// request, as OpenOCD's connect does.
    func connect() {
        send([0x02, 0x01])
        send([0x12, 136] + [UInt8](repeating: 0xFF, count: 7) + [0x9E, 0xE7] + [UInt8](repeating: 0xFF, count: 7)
             + [0x00])
        send([0x05, 0, 3, 0x02, 0x00] + le32(0x1E) + [0x04] + le32(0x5000_0000))
    }

    /// A DAP_Transfer of `requests` (each a request byte and, for writes and match reads, a word).
    func transfer(_ requests: [(UInt8, UInt32?)]) -> (done: Int, response: UInt8, words: [UInt32]) {
        var packet: [UInt8] = [0x05, 0, UInt8(requests.count)]
        for (request, value) in requests { packet += [request] + (value.map(le32) ?? []) }
        let reply = send(packet)
        guard reply.count >= 3, reply[0] == 0x05 else { return (-1, 0xFF, []) }
        return (Int(reply[1]), reply[2], words(reply.dropFirst(3)))
    }

    func words(_ bytes: ArraySlice<UInt8>) -> [UInt32] {
        stride(from: bytes.startIndex, to: bytes.endIndex - 3, by: 4).map { index in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[index + $1]) << (8 * UInt32($1)) }
        }
    }

    func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}

/// DAP_Transfer request bytes (`cmsis-dap.md` section 4).
enum DAPRequest {
    static let readDP: UInt8 = 0x02, writeDP: UInt8 = 0x00, readAP: UInt8 = 0x03, writeAP: UInt8 = 0x01
    static let a4: UInt8 = 0x04, a8: UInt8 = 0x08, aC: UInt8 = 0x0C
    static let matchValue: UInt8 = 0x10, matchMask: UInt8 = 0x20
}
