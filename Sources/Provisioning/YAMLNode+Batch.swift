import BoardCatalog

/// Batch files are read through the catalog's `YAMLNode`, so they refuse what board files refuse (aliases, repeated
/// keys, deep nesting) with the same messages; these accessors turn its answers into `ProvisioningError`s.
extension YAMLNode {
    static func parseBatch(_ text: String, file: String) throws(ProvisioningError) -> YAMLNode {
        guard text.utf8.count <= maximumFileSize else {
            throw .invalidBatch(SourceLocation(file: file, line: 1), "the file is larger than \(maximumFileSize) bytes; "
                + "per-unit values belong in the CSV that 'values' names")
        }
        do {
            return try YAMLNode.parse(text, file: file)
        } catch {
            throw .invalidBatch(error.location ?? SourceLocation(file: file, line: 1), error.problem)
        }
    }

    /// The entries of a mapping, after refusing keys outside `allowed`.
    func mapping(allowed: [String]) throws(ProvisioningError) -> [String: YAMLNode] {
        guard case .mapping(let entries) = value else { throw .invalidBatch(location, "expected a mapping of keys") }
        var result: [String: YAMLNode] = [:]
        for entry in entries {
            guard allowed.contains(entry.key) else {
                throw .unknownKey(SourceLocation(file: location.file, line: entry.keyLine), key: entry.key,
                                  allowed: allowed)
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
