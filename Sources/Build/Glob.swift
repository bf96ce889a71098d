import Foundation

/// Expands the `sources:` globs of a manifest: `*` and `?` within a name, `**` for any depth of folders.
enum Glob {
    /// Files under `root` matching any of `patterns`, as sorted paths relative to `root`, without duplicates.
    static func expand(_ patterns: [String], in root: String) -> [String] {
        expandListingFolders(patterns, in: root).files
    }

    /// The matching files, and every folder that was listed to find them: a file added to or removed from
    /// one of those folders changes the folder's modification time, which is how `BuildStamp` notices it.
    static func expandListingFolders(_ patterns: [String], in root: String) -> (files: [String], folders: [String]) {
        var all: [String] = []
        var folders = ["."]
        if let enumerator = FileManager.default.enumerator(atPath: root) {
            while let relative = enumerator.nextObject() as? String {
                // Build outputs and hidden folders never hold sources.
                if relative.hasPrefix(".") || relative.contains("/.") {
                    enumerator.skipDescendants()
                    continue
                }
                switch enumerator.fileAttributes?[.type] as? FileAttributeType {
                case .typeRegular?: all.append(relative)
                case .typeDirectory?: folders.append(relative)
                default: break
                }
            }
        }
        let matched = all.filter { path in patterns.contains { matches(pattern: $0, path: path) } }
        return (Array(Set(matched)).sorted(), folders)
    }

    static func matches(pattern: String, path: String) -> Bool {
        match(Array(pattern.split(separator: "/", omittingEmptySubsequences: true)),
              Array(path.split(separator: "/", omittingEmptySubsequences: true)))
    }

    private static func match(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = Array(pattern.dropFirst())
            for skip in 0...path.count where match(rest, Array(path.dropFirst(skip))) { return true }
            return false
        }
        guard let name = path.first, wildcard(Array(first), Array(name)) else { return false }
        return match(Array(pattern.dropFirst()), Array(path.dropFirst()))
    }

    private static func wildcard(_ pattern: [Character], _ name: [Character]) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        switch first {
        case "*":
            for skip in 0...name.count where wildcard(Array(pattern.dropFirst()), Array(name.dropFirst(skip))) {
                return true
            }
            return false
        case "?":
            return !name.isEmpty && wildcard(Array(pattern.dropFirst()), Array(name.dropFirst()))
        default:
            return name.first == first && wildcard(Array(pattern.dropFirst()), Array(name.dropFirst()))
        }
    }
}
