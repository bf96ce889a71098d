import Foundation

/// A serial number template such as `AT-{yyyy}-{seq:06}`: literal text with date fields and one counter.
///
/// Fields: `{yyyy}` `{yy}` `{mm}` `{dd}` (UTC date of the reservation) and `{seq}` or `{seq:0N}` (the counter,
/// zero-padded to N digits). The counter must appear exactly once, so that two counters never render the same
/// serial on the same day.
public struct SerialFormat: Hashable, Sendable, CustomStringConvertible {
    enum Part: Hashable, Sendable {
        case literal(String)
        case year4, year2, month, day
        case sequence(width: Int)
    }

    let parts: [Part]
    public let description: String

    public init(parsing text: String) throws(SerialFormatError) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let character = rest.first {
            rest = rest.dropFirst()
            guard character == "{" else {
                literal.append(character)
                continue
            }
            guard let close = rest.firstIndex(of: "}") else { throw .unclosedField }
            let name = String(rest[..<close])
            rest = rest[rest.index(after: close)...]
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = ""
            parts.append(try Self.field(name))
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        let counters = parts.filter { if case .sequence = $0 { true } else { false } }.count
        guard counters == 1 else { throw .counterCount(counters) }
        self.parts = parts
        description = text
    }

    private static func field(_ name: String) throws(SerialFormatError) -> Part {
        switch name {
        case "yyyy": return .year4
        case "yy": return .year2
        case "mm": return .month
        case "dd": return .day
        case "seq": return .sequence(width: 0)
        default:
            guard name.hasPrefix("seq:0"), let width = Int(name.dropFirst(5)), (1...20).contains(width) else {
                throw .unknownField(name)
            }
            return .sequence(width: width)
        }
    }

    /// The serial for counter `sequence` on `date` (UTC).
    public func render(sequence: UInt64, date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let year = parts.year ?? 1970
        return self.parts.map { part in
            switch part {
            case .literal(let text): text
            case .year4: String(format: "%04d", year)
            case .year2: String(format: "%02d", year % 100)
            case .month: String(format: "%02d", parts.month ?? 1)
            case .day: String(format: "%02d", parts.day ?? 1)
            case .sequence(let width): Self.padded(sequence, width: width)
            }
        }.joined()
    }

    private static func padded(_ value: UInt64, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Why a serial format was refused.
public enum SerialFormatError: Error, Equatable, CustomStringConvertible {
    case unclosedField
    case unknownField(String)
    case counterCount(Int)

    public var description: String {
        switch self {
        case .unclosedField: "a '{' has no matching '}'"
        case .unknownField(let name): "unknown field '{\(name)}'; use {yyyy} {yy} {mm} {dd} {seq} or {seq:06}"
        case .counterCount(let count): "the format needs exactly one {seq} counter, found \(count)"
        }
    }
}
