import Yams

/// A YAML value with the line it came from.
///
/// Yams' `Node` is converted once into this small tree so that `extends:` merging and validation can
/// work on plain values and still report `file:line` for every key. Every YAML file atelier reads (boards, chips,
/// rig files, batch files) goes through it, so they all refuse the same things with the same messages.
public struct YAMLNode: Sendable {
    public enum Value: Sendable {
        case scalar(String)
        case mapping([(key: String, keyLine: Int, value: YAMLNode)])
        case sequence([YAMLNode])
    }

    public var value: Value
    public var location: SourceLocation

    /// The deepest nesting a file may have; a hostile file cannot make the walk recurse without end.
    public static let maximumDepth = 32
    /// Board, chip, rig and batch files are a few kilobytes; anything near this is not one of them.
    public static let maximumFileSize = 1 << 20

    public static func parse(_ text: String, file: String) throws(BoardCatalogError) -> YAMLNode {
        guard text.utf8.count <= maximumFileSize else {
            throw .invalid(SourceLocation(file: file, line: 1), "file is larger than \(maximumFileSize) bytes")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw .syntax(file: file, line: error.line, message: error.problem)
        } catch {
            throw .syntax(file: file, line: 1, message: "\(error)")
        }
        guard let root else {
            throw .invalid(SourceLocation(file: file, line: 1), "the file is empty")
        }
        return try YAMLNode(root, file: file, depth: 0)
    }

    private init(_ node: Node, file: String, depth: Int) throws(BoardCatalogError) {
        let line = node.mark?.line ?? 1
        location = SourceLocation(file: file, line: line)
        guard depth < Self.maximumDepth else {
            throw .invalid(location, "nesting deeper than \(Self.maximumDepth) levels")
        }
        switch node {
        case .scalar(let scalar):
            value = .scalar(scalar.string)
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            for item in sequence { items.append(try YAMLNode(item, file: file, depth: depth + 1)) }
            value = .sequence(items)
        case .mapping(let mapping):
            var entries: [(key: String, keyLine: Int, value: YAMLNode)] = []
            for (key, item) in mapping {
                guard let name = key.string else {
                    throw .invalid(SourceLocation(file: file, line: key.mark?.line ?? line), "keys must be plain words")
                }
                if entries.contains(where: { $0.key == name }) {
                    throw .invalid(SourceLocation(file: file, line: key.mark?.line ?? line), "key '\(name)' appears twice")
                }
                entries.append((name, key.mark?.line ?? line, try YAMLNode(item, file: file, depth: depth + 1)))
            }
            value = .mapping(entries)
        case .alias:
            throw .invalid(location, "YAML aliases are not supported; write the value out (board files can use 'extends:')")
        }
    }

    public init(value: Value, location: SourceLocation) {
        self.value = value
        self.location = location
    }

    /// `child` over `parent`: mappings merge key by key, anything else in `child` replaces `parent`.
    static func merge(parent: YAMLNode, child: YAMLNode) -> YAMLNode {
        guard case .mapping(let base) = parent.value, case .mapping(let over) = child.value else { return child }
        var merged = base
        for entry in over {
            if let index = merged.firstIndex(where: { $0.key == entry.key }) {
                merged[index] = (entry.key, entry.keyLine, merge(parent: merged[index].value, child: entry.value))
            } else {
                merged.append(entry)
            }
        }
        return YAMLNode(value: .mapping(merged), location: child.location)
    }
}

private extension YamlError {
    var line: Int {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: 1
        }
    }

    var problem: String {
        switch self {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(self)"
        }
    }
}
