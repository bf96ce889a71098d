import Foundation

/// A 48-bit MAC address, written `02:A7:00:00:00:01`.
public struct MACAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: UInt64

    public init?(_ value: UInt64) {
        guard value < 1 << 48 else { return nil }
        self.value = value
    }

    /// Six hex pairs separated by `:` or `-`.
    public init?(parsing text: String) {
        let pairs = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard pairs.count == 6 else { return nil }
        var value: UInt64 = 0
        for pair in pairs {
            guard pair.count == 2, let byte = UInt8(pair, radix: 16) else { return nil }
            value = value << 8 | UInt64(byte)
        }
        self.value = value
    }

    /// Most significant byte first, as on the wire.
    public var bytes: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: value >> (8 * (5 - $0))) } }

    public var description: String { bytes.map { String(format: "%02X", $0) }.joined(separator: ":") }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.value < rhs.value }
}
