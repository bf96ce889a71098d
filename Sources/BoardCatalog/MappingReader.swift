/// Typed, located access to one YAML mapping, refusing keys the schema does not list.
public struct MappingReader {
    public let node: YAMLNode
    public let entries: [(key: String, keyLine: Int, value: YAMLNode)]

    public init(_ node: YAMLNode, what: String, allowed: [String]) throws(BoardCatalogError) {
        guard case .mapping(let entries) = node.value else {
            throw .invalid(node.location, "\(what) must be a mapping of keys to values")
        }
        for entry in entries where !allowed.contains(entry.key) {
            throw .unknownKey(SourceLocation(file: node.location.file, line: entry.keyLine), key: entry.key, allowed: allowed)
        }
        self.node = node
        self.entries = entries
    }

    public var location: SourceLocation { node.location }

    public func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    public func node(_ key: String) -> YAMLNode? { entries.first { $0.key == key }?.value }

    public func keyLocation(_ key: String) -> SourceLocation {
        guard let entry = entries.first(where: { $0.key == key }) else { return location }
        return SourceLocation(file: location.file, line: entry.keyLine)
    }

    public func requiredNode(_ key: String) throws(BoardCatalogError) -> YAMLNode {
        guard let value = node(key) else { throw .invalid(location, "missing required key '\(key)'") }
        return value
    }

    /// A scalar, or nil when absent or written as `null`/`~`.
    public func string(_ key: String) throws(BoardCatalogError) -> String? {
        guard let value = node(key) else { return nil }
        guard case .scalar(let text) = value.value else {
            throw .invalid(value.location, "'\(key)' must be a single value")
        }
        return text == "null" || text == "~" || text.isEmpty ? nil : text
    }

    public func requiredString(_ key: String) throws(BoardCatalogError) -> String {
        guard let text = try string(key) else { throw .invalid(location, "missing required key '\(key)'") }
        return text
    }

    public func size(_ key: String) throws(BoardCatalogError) -> UInt64? {
        guard let text = try string(key) else { return nil }
        guard let value = ByteSize.parse(text) else {
            throw .invalid(keyLocation(key), "'\(key)' has bad size '\(text)'; write it as 64K, 1M, 0x10000 or 65536")
        }
        return value
    }

    public func requiredSize(_ key: String) throws(BoardCatalogError) -> UInt64 {
        guard let value = try size(key) else { throw .invalid(location, "missing required key '\(key)'") }
        return value
    }

    public func number(_ key: String) throws(BoardCatalogError) -> Double? {
        guard let text = try string(key) else { return nil }
        guard let value = Double(text), value >= 0 else {
            throw .invalid(keyLocation(key), "'\(key)' must be a non-negative number, not '\(text)'")
        }
        return value
    }

    public func bool(_ key: String) throws(BoardCatalogError) -> Bool? {
        guard let text = try string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw .invalid(keyLocation(key), "'\(key)' must be true or false, not '\(text)'")
        }
    }

    public func enumeration<T: RawRepresentable & CaseIterable>(_ key: String, as type: T.Type) throws(BoardCatalogError) -> T?
    where T.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue)
            let near = closest(to: text, in: allowed)
            let hint = near.isEmpty ? "expected one of: \(allowed.joined(separator: ", "))" : "did you mean '\(near[0])'?"
            throw .invalid(keyLocation(key), "unknown \(key) '\(text)'; \(hint)")
        }
        return value
    }

    public func list(_ key: String) throws(BoardCatalogError) -> [YAMLNode] {
        guard let value = node(key) else { return [] }
        switch value.value {
        case .sequence(let items): return items
        case .scalar(let text) where text == "null" || text == "~" || text.isEmpty: return []
        default: throw .invalid(value.location, "'\(key)' must be a list")
        }
    }

    public func strings(_ key: String) throws(BoardCatalogError) -> [String] {
        var result: [String] = []
        for item in try list(key) {
            guard case .scalar(let text) = item.value else { throw .invalid(item.location, "'\(key)' must list plain values") }
            result.append(text)
        }
        return result
    }
}
