import BoardCatalog
import Foundation
import USB
import Yams

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
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw .invalid(SourceLocation(file: path, line: Self.line(of: error)), "not valid YAML: \(error)")
        } catch {
            throw .invalid(SourceLocation(file: path, line: 1), "not valid YAML: \(error)")
        }
        guard let mapping = root?.mapping else {
            throw .invalid(SourceLocation(file: path, line: 1), "a rig file is a mapping with a 'slots' list")
        }
        for key in mapping.keys where key.string != "slots" {
            throw .invalid(location(key, path), "unknown key '\(key.string ?? "?")'; a rig file only has 'slots'")
        }
        guard let list = mapping["slots"]?.sequence, !list.isEmpty else {
            throw .invalid(SourceLocation(file: path, line: 1), "'slots' must be a non-empty list of slots")
        }
        var slots: [RigSlot] = []
        for node in list {
            let slot = try Self.slot(node, path: path)
            if let first = slots.first(where: { $0.name == slot.name }) {
                throw .duplicateSlot(name: slot.name, first: first.location, second: slot.location)
            }
            slots.append(slot)
        }
        return RigSpec(slots: slots, path: path)
    }

    private static let slotKeys = ["name", "board", "probe", "tags"]

    private static func slot(_ node: Node, path: String) throws(RigError) -> RigSlot {
        let here = location(node, path)
        guard let mapping = node.mapping else {
            throw .invalid(here, "a slot is a mapping with name, board, probe and optional tags")
        }
        for key in mapping.keys where !slotKeys.contains(key.string ?? "") {
            throw .invalid(location(key, path), "unknown slot key '\(key.string ?? "?")'; use "
                           + slotKeys.joined(separator: ", "))
        }
        func scalar(_ key: String) throws(RigError) -> String {
            guard let value = mapping[key] else { throw .invalid(here, "the slot has no '\(key)'") }
            guard let text = value.scalar?.string, !text.isEmpty else {
                throw .invalid(location(value, path), "'\(key)' must be a single value")
            }
            return text
        }
        let name = try scalar("name")
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw .invalid(here, "slot name '\(name)' may only use letters, digits, '-', '_' and '.'")
        }
        let board = try scalar("board")
        let probeText = try scalar("probe")
        let probe: ProbeSelector
        do {
            probe = try ProbeSelector(parsing: probeText)
        } catch {
            throw .invalid(location(mapping["probe"] ?? node, path), "slot '\(name)': \(error.description)")
        }
        var tags: [String] = []
        if let value = mapping["tags"] {
            if let text = value.scalar?.string {
                tags = [text]
            } else if let items = value.sequence {
                tags = items.compactMap { $0.scalar?.string }
            } else {
                throw .invalid(location(value, path), "'tags' must be a list of words")
            }
        }
        return RigSlot(name: name, board: board, probe: probe, tags: tags, location: here)
    }

    private static func location(_ node: Node, _ path: String) -> SourceLocation {
        SourceLocation(file: path, line: node.mark?.line ?? 1)
    }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 1
        }
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
