import Yams

/// A YAML value with the line it came from, so that every batch error names `file:line`.
struct BatchYAML: Sendable {
    enum Value: Sendable {
        case scalar(String)
        case mapping([(key: String, line: Int, value: BatchYAML)])
        case sequence([BatchYAML])
    }

    var value: Value
    var location: BatchLocation

    /// Batch files are small; the limit keeps a hostile file from recursing without end.
    static let maximumDepth = 16
    /// A batch file is a few hundred bytes (the per-unit values live in the CSV it names).
    static let maximumFileSize = 1 << 20

    static func parse(_ text: String, file: String) throws(ProvisioningError) -> BatchYAML {
        guard text.utf8.count <= maximumFileSize else {
            throw .invalidBatch(BatchLocation(file: file, line: 1), "the file is larger than \(maximumFileSize) bytes; "
                + "per-unit values belong in the CSV that 'values' names")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw .invalidBatch(BatchLocation(file: file, line: error.line), "not valid YAML: \(error.problem)")
        } catch {
            throw .invalidBatch(BatchLocation(file: file, line: 1), "not valid YAML: \(error)")
        }
        guard let root else { throw .invalidBatch(BatchLocation(file: file, line: 1), "the file is empty") }
        return try BatchYAML(root, file: file, depth: 0)
    }

    private init(_ node: Node, file: String, depth: Int) throws(ProvisioningError) {
        location = BatchLocation(file: file, line: node.mark?.line ?? 1)
        guard depth < Self.maximumDepth else { throw .invalidBatch(location, "nested too deep") }
        switch node {
        case .scalar(let scalar):
            value = .scalar(scalar.string)
        case .sequence(let sequence):
            var items: [BatchYAML] = []
            for item in sequence { items.append(try BatchYAML(item, file: file, depth: depth + 1)) }
            value = .sequence(items)
        case .mapping(let mapping):
            var entries: [(key: String, line: Int, value: BatchYAML)] = []
            for (key, item) in mapping {
                let line = key.mark?.line ?? location.line
                guard let name = key.string else {
                    throw .invalidBatch(BatchLocation(file: file, line: line), "keys must be plain words")
                }
                if entries.contains(where: { $0.key == name }) {
                    throw .invalidBatch(BatchLocation(file: file, line: line), "key '\(name)' appears twice")
                }
                entries.append((name, line, try BatchYAML(item, file: file, depth: depth + 1)))
            }
            value = .mapping(entries)
        case .alias:
            throw .invalidBatch(location, "YAML aliases are not supported in batch files")
        }
    }

    /// The entries of a mapping, after refusing keys outside `allowed`.
    func mapping(allowed: [String]) throws(ProvisioningError) -> [String: BatchYAML] {
        guard case .mapping(let entries) = value else { throw .invalidBatch(location, "expected a mapping of keys") }
        var result: [String: BatchYAML] = [:]
        for entry in entries {
            guard allowed.contains(entry.key) else {
                let line = BatchLocation(file: location.file, line: entry.line)
                throw .unknownKey(line, key: entry.key, allowed: allowed)
            }
            result[entry.key] = entry.value
        }
        return result
    }

    func string(_ what: String) throws(ProvisioningError) -> String {
        guard case .scalar(let text) = value, !text.isEmpty else {
            throw .invalidBatch(location, "\(what) must be text")
        }
        return text
    }

    /// Decimal or 0x-prefixed hexadecimal, with optional `_` separators.
    func integer(_ what: String) throws(ProvisioningError) -> UInt64 {
        let text = try string(what).replacingOccurrences(of: "_", with: "")
        let parsed = text.lowercased().hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
        guard let parsed else { throw .invalidBatch(location, "\(what) must be a number like 42 or 0x08000000") }
        return parsed
    }

    func strings(_ what: String) throws(ProvisioningError) -> [String] {
        guard case .sequence(let items) = value else { throw .invalidBatch(location, "\(what) must be a list") }
        var result: [String] = []
        for item in items { result.append(try item.string(what)) }
        return result
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
