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
        // readdir with d_type, not FileManager's enumerator: that one builds an attribute dictionary (owner
        // names from /etc/passwd included) for every file, which made it the slowest part of a rebuild.
        var pending = [""]
        while let relative = pending.popLast() {
            guard let directory = opendir(relative.isEmpty ? root : root + "/" + relative) else { continue }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                }
                // Build outputs and hidden folders never hold sources.
                if name.hasPrefix(".") { continue }
                let path = relative.isEmpty ? name : relative + "/" + name
                var type = entry.pointee.d_type
                if type == UInt8(DT_UNKNOWN) || type == UInt8(DT_LNK) {
                    var info = stat()
                    guard stat(root + "/" + path, &info) == 0 else { continue }
                    let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
                    // A symlinked folder is not followed (it could lead back up); a symlinked file counts.
                    if isDirectory && type == UInt8(DT_LNK) { continue }
                    type = isDirectory ? UInt8(DT_DIR) : UInt8(DT_REG)
                }
                if type == UInt8(DT_DIR) {
                    folders.append(path)
                    pending.append(path)
                } else if type == UInt8(DT_REG) {
                    all.append(path)
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
