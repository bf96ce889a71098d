@testable import VirtualRig

/// Drives a `VirtualSTLink` the way a host does over USB: a 16-byte command block on the command endpoint, an
/// optional data phase, and an IN of the length the host expects.
struct STLinkTestHost {
    let stlink: VirtualSTLink

    init(board: String = "bluepill", variant: STLinkVariant = .v2) throws {
        stlink = VirtualSTLink(variant: variant, chip: try ChipTestSupport.chip(board),
                               serial: "303030303030303030303031")
    }

    /// Sends `command` (padded to 16 bytes) and reads `replyLength` bytes back; nil when the IN stays pending.
    @discardableResult
    func send(_ command: [UInt8], data: [UInt8] = [], replyLength: Int = 0) -> [UInt8]? {
        _ = stlink.bulkOut(endpoint: stlink.variant.commandEndpoint,
                           data: command + [UInt8](repeating: 0, count: 16 - command.count))
        if !data.isEmpty { _ = stlink.bulkOut(endpoint: stlink.variant.commandEndpoint, data: data) }
        guard replyLength > 0 else { return [] }
        guard case .data(let bytes) = stlink.bulkIn(endpoint: 0x81, capacity: replyLength) else { return nil }
        return bytes
    }

    /// Enters SWD debug mode as stlink-tools does after GET_VERSION.
    func enterSWD() {
        send([0xF3, 0x07])
        send([0xF2, 0x30, 0xA3], replyLength: 2)
    }

    func readDebugRegister(_ address: UInt32) -> (status: UInt8, value: UInt32) {
        let reply = send([0xF2, 0x36] + le32(address), replyLength: 8) ?? []
        guard reply.count == 8 else { return (0, 0) }
        return (reply[0], word(reply, at: 4))
    }

    @discardableResult
    func writeDebugRegister(_ address: UInt32, _ value: UInt32) -> UInt8 {
        send([0xF2, 0x35] + le32(address) + le32(value), replyLength: 2)?.first ?? 0
    }

    func readMemory(_ command: UInt8, _ address: UInt32, _ length: Int, replyLength: Int? = nil) -> [UInt8] {
        send([0xF2, command] + le32(address) + le16(UInt16(length)), replyLength: replyLength ?? length) ?? []
    }

    func writeMemory(_ command: UInt8, _ address: UInt32, _ bytes: [UInt8]) {
        send([0xF2, command] + le32(address) + le16(UInt16(bytes.count)), data: bytes)
    }

    /// GETLASTRWSTATUS2: status and the fault address.
    func lastStatus() -> (status: UInt8, address: UInt32) {
        let reply = send([0xF2, 0x3E], replyLength: 12) ?? []
        return reply.count == 12 ? (reply[0], word(reply, at: 4)) : (0, 0)
    }

    func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}
