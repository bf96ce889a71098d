/// The AVR's fuse and lock bytes as read over ISP, for the flash summary: atelier shows them and never writes
/// them unless asked.
public struct AVRFuses: Sendable, Equatable, CustomStringConvertible {
    public var low: UInt8
    public var high: UInt8
    public var extended: UInt8
    public var lock: UInt8

    public var description: String {
        "fuses low \(hex2(low)), high \(hex2(high)), extended \(hex2(extended)), lock \(hex2(lock))"
    }
}

func hex2(_ value: UInt8) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + (digits.count < 2 ? "0" + digits : digits)
}
