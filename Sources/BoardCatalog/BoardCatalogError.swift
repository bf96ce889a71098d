/// Everything that can be wrong with a board or chip file, or with a lookup in the catalog.
public enum BoardCatalogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not valid YAML.
    case syntax(file: String, line: Int, message: String)
    /// The YAML is well formed but says something a board file may not say.
    case invalid(SourceLocation, String)
    /// A key that the schema does not know, usually a typo.
    case unknownKey(SourceLocation, key: String, allowed: [String])
    /// `extends:` leads back to where it started.
    case extendsCycle(SourceLocation, chain: [String])
    /// Two files declare the same id.
    case duplicateID(SourceLocation, id: String, firstSeen: SourceLocation)
    /// A board names a chip, or a file extends an id, that is nowhere in the catalog.
    case unknownReference(SourceLocation, kind: String, id: String, suggestions: [String])
    /// A lookup by id found nothing.
    case unknownBoard(String, suggestions: [String])
    /// A catalog folder or file could not be read.
    case unreadable(path: String, reason: String)

    public var description: String {
        guard let location else { return problem }
        return "\(location): \(problem)"
    }

    /// The file and line the problem is at, when it is at one.
    public var location: SourceLocation? {
        switch self {
        case .syntax(let file, let line, _): SourceLocation(file: file, line: line)
        case .invalid(let location, _), .unknownKey(let location, _, _), .extendsCycle(let location, _),
             .duplicateID(let location, _, _), .unknownReference(let location, _, _, _):
            location
        case .unknownBoard, .unreadable: nil
        }
    }

    /// What is wrong, without the place: the formats that read YAML through `YAMLNode` wrap it in their own errors.
    public var problem: String {
        switch self {
        case .syntax(_, _, let message):
            "invalid YAML: \(message)"
        case .invalid(_, let message):
            message
        case .unknownKey(_, let key, let allowed):
            "unknown key '\(key)'" + Self.hint(closest(to: key, in: allowed), fallback: allowed)
        case .extendsCycle(_, let chain):
            "'extends' forms a cycle: \(chain.joined(separator: " -> "))"
        case .duplicateID(_, let id, let firstSeen):
            "id '\(id)' is already defined at \(firstSeen); ids must be unique"
        case .unknownReference(_, let kind, let id, let suggestions):
            "unknown \(kind) '\(id)'" + Self.hint(suggestions, fallback: [])
        case .unknownBoard(let id, let suggestions):
            "unknown board '\(id)'" + Self.hint(suggestions, fallback: [])
                + " (run 'atelier boards list' to see them all)"
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        }
    }

    private static func hint(_ suggestions: [String], fallback: [String]) -> String {
        if !suggestions.isEmpty { return "; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: " or "))?" }
        if !fallback.isEmpty { return "; expected one of: \(fallback.joined(separator: ", "))" }
        return ""
    }
}

/// The candidates within a small edit distance of `word`, best first: the "did you mean" of every lookup.
public func closest(to word: String, in candidates: [String], limit: Int = 3) -> [String] {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    let threshold = max(2, word.count / 3)
    let near = scored.filter { $0.1 <= threshold || $0.0.lowercased().contains(word.lowercased()) }
    return near.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
