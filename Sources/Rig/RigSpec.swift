import BoardCatalog
import Foundation
import USB

/// A rig file (`rig.yaml`): the slots of a CI rack.
///
///     slots:
///       - name: bp-1
///         board: bluepill
///         probe: 066DFF555654725187171234      # serial, VID:PID:SERIAL, or usb:BUS-PORT.PORT
///         tags: [f1, smoke]
public struct RigSpec: Sendable, Equatable {
    public var slots: [RigSlot]
    public var path: String

    public init(slots: [RigSlot], path: String) {
        self.slots = slots
        self.path = path
    }

    public static func load(path: String) throws(RigError) -> RigSpec {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        return try parse(text, path: path)
    }

    /// A rack's rig file is a few kilobytes; a larger one is refused before the YAML parser holds it all.
    public static let maximumFileSize = 1 << 20

    /// Parses and validates; the first problem is thrown with its file:line.
    public static func parse(_ text: String, path: String) throws(RigError) -> RigSpec {
        guard text.utf8.count <= maximumFileSize else {
            throw .invalid(SourceLocation(file: path, line: 1), "the file is larger than \(maximumFileSize) bytes; "
                + "a rig file lists slots and is a few kilobytes")
        }
        do {
            let root = try MappingReader(try YAMLNode.parse(text, file: path), what: "a rig file", allowed: ["slots"])
            let list = try root.list("slots")
            guard !list.isEmpty else {
                throw BoardCatalogError.invalid(root.location, "'slots' must be a non-empty list of slots")
            }
            var slots: [RigSlot] = []
            for node in list {
                let slot = try Self.slot(MappingReader(node, what: "a slot", allowed: slotKeys))
                if let first = slots.first(where: { $0.name == slot.name }) {
                    throw RigError.duplicateSlot(name: slot.name, first: first.location, second: slot.location)
                }
                slots.append(slot)
            }
            return RigSpec(slots: slots, path: path)
        } catch let error as BoardCatalogError {
            throw .invalid(error.location ?? SourceLocation(file: path, line: 1), error.problem)
        } catch let error as RigError {
            throw error
        } catch {
            throw .invalid(SourceLocation(file: path, line: 1), "\(error)")
        }
    }

    private static let slotKeys = ["name", "board", "probe", "tags"]

    private static func slot(_ slot: MappingReader) throws -> RigSlot {
        let name = try slot.requiredString("name")
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw RigError.invalid(slot.location, "slot name '\(name)' may only use letters, digits, '-', '_' and '.'")
        }
        let probeText = try slot.requiredString("probe")
        let probe: ProbeSelector
        do {
            probe = try ProbeSelector(parsing: probeText)
        } catch {
            throw RigError.invalid(slot.keyLocation("probe"), "slot '\(name)': \(error.description)")
        }
        // `tags: f4` is one tag; a list is several.
        let tags = if case .scalar(let tag)? = slot.node("tags")?.value { [tag] } else { try slot.strings("tags") }
        return RigSlot(name: name, board: try slot.requiredString("board"), probe: probe, tags: tags,
                       location: slot.location)
    }

    /// The slots `names` or `tag` pick (all when neither is given), in rig order.
    public func select(names: [String], tag: String?) throws(RigError) -> [RigSlot] {
        for name in names where !slots.contains(where: { $0.name == name }) {
            throw .unknownSlot(name, known: slots.map(\.name))
        }
        let chosen = slots.filter { slot in
            (names.isEmpty || names.contains(slot.name)) && (tag.map { slot.tags.contains($0) } ?? true)
        }
        if chosen.isEmpty, let tag { throw .unknownSlot("tag \(tag)", known: slots.map(\.name)) }
        return chosen
    }
}
