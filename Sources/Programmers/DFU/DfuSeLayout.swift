import BoardCatalog
import Foundation

/// The memory map a DfuSe alt setting announces in its interface string, e.g.
/// `@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg` (ST UM0424 section 4.3.2).
public struct DfuSeLayout: Sendable, Equatable {
    public struct Sectors: Sendable, Equatable {
        public var count: Int
        public var size: UInt64
        /// Readable, erasable, writable bits as in the type letter (`a` to `g`).
        public var readable: Bool
        public var erasable: Bool
        public var writable: Bool
    }

    public struct Segment: Sendable, Equatable {
        public var start: UInt64
        public var sectors: [Sectors]

        public var size: UInt64 { sectors.reduce(0) { $0 + UInt64($1.count) * $1.size } }
    }

    public var name: String
    public var segments: [Segment]

    public init(parsing text: String) throws(DFUError) {
        guard text.hasPrefix("@") else { throw .badLayout(text, reason: "it does not start with '@'") }
        let parts = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts.count % 2 == 1 else {
            throw .badLayout(text, reason: "expected '@name/0xADDRESS/N*SIZEt,...'")
        }
        name = parts[0].trimmingSpaces()
        segments = []
        for index in stride(from: 1, to: parts.count, by: 2) {
            let addressText = parts[index].trimmingSpaces()
            guard addressText.lowercased().hasPrefix("0x"), let start = UInt64(addressText.dropFirst(2), radix: 16) else {
                throw .badLayout(text, reason: "'\(addressText)' is not a hex address")
            }
            var groups: [Sectors] = []
            for group in parts[index + 1].split(separator: ",") {
                groups.append(try Self.sectors(String(group), in: text))
            }
            segments.append(Segment(start: start, sectors: groups))
        }
    }

    /// One `N*SIZE` group with its multiplier and type letter; ST writes a space for "bytes".
    private static func sectors(_ group: String, in text: String) throws(DFUError) -> Sectors {
        let pieces = group.split(separator: "*")
        guard pieces.count == 2, let count = Int(String(pieces[0]).trimmingSpaces()) else {
            throw .badLayout(text, reason: "'\(group)' is not N*SIZE")
        }
        var rest = Array(pieces[1])
        guard let type = rest.popLast(), let bits = type.asciiValue.map({ Int($0) - Int(Character("a").asciiValue ?? 97) + 1 }),
              (1...7).contains(bits)
        else { throw .badLayout(text, reason: "'\(group)' lacks a type letter a to g") }
        var multiplier: UInt64 = 1
        if let last = rest.last {
            switch last {
            case "K": multiplier = 1024; rest.removeLast()
            case "M": multiplier = 1024 * 1024; rest.removeLast()
            case "B", " ": rest.removeLast()
            default: break
            }
        }
        guard let size = UInt64(String(rest).trimmingSpaces()) else {
            throw .badLayout(text, reason: "'\(group)' has no sector size")
        }
        return Sectors(count: count, size: size * multiplier, readable: bits & 1 != 0, erasable: bits & 2 != 0,
                       writable: bits & 4 != 0)
    }
}

private extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}

extension DfuSeLayout {
    /// The announced sectors as one list of sizes, to compare with a board's flash region.
    public var sectorSizes: [UInt64] { segments.flatMap { $0.sectors.flatMap { Array(repeating: $0.size, count: $0.count) } } }

    /// True when this alt setting describes exactly `region`: same start and the same sector sizes in order.
    public func describes(_ region: MemoryRegion) -> Bool {
        segments.first?.start == region.start && sectorSizes == region.sectorList.map(\.size)
    }

    /// How ST's bootloader would describe `region`: what the virtual rig announces and what atelier expects.
    public static func text(describing region: MemoryRegion, name: String = "Internal Flash  ") -> String {
        let groups = region.sectors.map { group -> String in
            let (size, unit) = group.size % 1024 == 0 ? (group.size / 1024, "K") : (group.size, " ")
            return String(format: "%02d*%03d%@g", group.count, Int(size), unit)
        }
        return "@\(name)/0x\(String(format: "%08X", Int(region.start)))/" + groups.joined(separator: ",")
    }
}
