import Foundation

/// The rig's sense of time: datasheet durations scaled by `--time-scale`, and full-speed USB bus time.
///
/// At scale 1 a sector erase takes its datasheet time and a transfer takes roughly what it takes on a real
/// full-speed bus, so tools can be compared in wall-clock time; at scale 0 nothing waits, for fast tests.
public final class VirtualClock: @unchecked Sendable {
    public let timeScale: Double
    private let now: () -> UInt64

    /// `now` returns monotonic microseconds; tests pass a hand-driven one.
    public init(timeScale: Double, now: (() -> UInt64)? = nil) {
        self.timeScale = max(0, timeScale)
        self.now = now ?? { DispatchTime.now().uptimeNanoseconds / 1_000 }
    }

    public var microseconds: UInt64 { now() }

    /// A datasheet duration in milliseconds, scaled, in microseconds.
    public func scaled(milliseconds: Double) -> UInt64 {
        let value = milliseconds * 1_000 * timeScale
        return value.isFinite && value > 0 ? UInt64(value.rounded(.up)) : 0
    }

    /// A scaled duration as a DFU bwPollTimeout in whole milliseconds, rounded up so the host never polls early.
    public func pollTimeout(milliseconds: Double) -> UInt32 {
        let value = (milliseconds * timeScale).rounded(.up)
        return value.isFinite && value > 0 ? UInt32(min(value, Double(0xFF_FFFF))) : 0
    }

    /// Full-speed bus bit rate.
    static let bitsPerSecond = 12_000_000.0
    /// Bytes a packet costs beyond its payload: token packet, SYNC, PID, CRC16, EOP, handshake and gaps.
    /// Bit stuffing and frame scheduling are ignored: this is an estimate, not a bus simulator.
    static let packetOverheadBytes = 13

    /// Bus time of one control transfer with `length` data bytes: SETUP, data packets of `maxPacket`, and
    /// the zero-length status packet.
    public func controlTransferTime(length: Int, maxPacket: Int = 64) -> UInt64 {
        let packets = length == 0 ? 0 : (length + maxPacket - 1) / maxPacket
        return busTime(payload: 8 + length, packets: 2 + packets)
    }

    /// Bus time of one bulk transfer of `length` bytes in packets of `maxPacket` (at least one packet).
    public func bulkTransferTime(length: Int, maxPacket: Int = 64) -> UInt64 {
        busTime(payload: length, packets: max(1, (length + maxPacket - 1) / maxPacket))
    }

    private func busTime(payload: Int, packets: Int) -> UInt64 {
        let bits = Double((payload + packets * Self.packetOverheadBytes) * 8)
        return scaled(milliseconds: bits / Self.bitsPerSecond * 1_000)
    }
}
