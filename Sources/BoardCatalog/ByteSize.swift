/// Sizes and addresses as board files write them: `64K`, `1M`, `0x08000000`, `2048`.
public enum ByteSize {
    /// Parses a size or address; nil when the text is none of the accepted forms or overflows 64 bits.
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        if trimmed.lowercased().hasPrefix("0x") {
            let digits = trimmed.dropFirst(2).filter { $0 != "_" }
            return digits.isEmpty ? nil : UInt64(digits, radix: 16)
        }
        let multipliers: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(trimmed)
        var multiplier: UInt64 = 1
        if let last = digits.last?.uppercased().first, let factor = multipliers[last] {
            multiplier = factor
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = UInt64(digits.filter { $0 != "_" }) else {
            return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// The shortest exact spelling: `64K` rather than `65536`, hex for anything that is not a whole KiB.
    public static func format(_ value: UInt64) -> String {
        if value != 0, value % (1 << 20) == 0 { return "\(value >> 20)M" }
        if value != 0, value % (1 << 10) == 0 { return "\(value >> 10)K" }
        return "\(value)"
    }
}

/// `0x08000000`, the way addresses are written in every message.
public func hex(_ value: UInt64, width: Int = 8) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while scalars.first?.isWhitespace == true { scalars.removeFirst() }
        while scalars.last?.isWhitespace == true { scalars.removeLast() }
        return String(scalars)
    }
}

/// `0x08000000..0x080FFFFF`: a range by its first and last address, as datasheets write memory maps.
public func hexRange(_ range: Range<UInt64>) -> String {
    range.isEmpty ? "\(hex(range.lowerBound)) (empty)" : "\(hex(range.lowerBound))..\(hex(range.upperBound - 1))"
}
