/// The 6-byte DFU_GETSTATUS reply (DFU 1.1 section 6.1.2): status, 24-bit little-endian poll timeout in
/// milliseconds, state, string index.
public struct DFUStatusRecord: Equatable, Sendable {
    public var status: DFUStatus
    public var pollTimeout: UInt32
    public var state: DFUState

    public init(status: DFUStatus, pollTimeout: UInt32, state: DFUState) {
        self.status = status
        self.pollTimeout = pollTimeout
        self.state = state
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 6, let status = DFUStatus(rawValue: bytes[0]), let state = DFUState(rawValue: bytes[4])
        else { return nil }
        self.status = status
        pollTimeout = UInt32(bytes[1]) | UInt32(bytes[2]) << 8 | UInt32(bytes[3]) << 16
        self.state = state
    }

    public var bytes: [UInt8] {
        [status.rawValue, UInt8(pollTimeout & 0xFF), UInt8((pollTimeout >> 8) & 0xFF),
         UInt8((pollTimeout >> 16) & 0xFF), state.rawValue, 0]
    }
}
