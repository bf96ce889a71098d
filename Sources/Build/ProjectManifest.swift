import Foundation
import Yams

/// `atelier.yaml`: what to build and for which board (DESIGN.md section 5).
public struct ProjectManifest: Hashable, Sendable, Codable {
    public enum Language: String, Sendable, CaseIterable, Codable {
        case c, cpp, swift
    }

    public var board: String
    public var language: Language
    /// Globs relative to the project root; `**` matches any number of folders.
    public var sources: [String]
    public var includePaths: [String] = []
    /// `NAME` or `NAME=VALUE`, passed as `-D`.
    public var defines: [String] = []
    public var flags: [String] = []
    public var linkFlags: [String] = []
    /// nil on AVR, where the toolchain's per-device script is used.
    public var linkerScript: String?

    public init(board: String, language: Language, sources: [String]) {
        self.board = board
        self.language = language
        self.sources = sources
    }

    static let keys = ["board", "language", "sources", "include_paths", "defines", "flags", "link_flags",
                       "linker_script"]

    /// Far above any real manifest; a larger file is refused before the YAML parser holds it all.
    public static let maximumFileSize = 1 << 20

    /// Reads and checks `file`; errors name the file and line.
    public static func load(_ file: String) throws(BuildError) -> ProjectManifest {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .io(path: file, reason: "the file cannot be read")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: file)
    }

    /// Checks the text of an `atelier.yaml`; `file` is the name errors give.
    public static func parse(_ text: String, file: String) throws(BuildError) -> ProjectManifest {
        guard text.utf8.count <= maximumFileSize else {
            throw .invalidManifest(file: file, line: 1, message: "the file is larger than \(maximumFileSize) bytes; "
                + "an atelier.yaml names a board and source globs and is a few hundred bytes")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw .invalidManifest(file: file, line: nil, message: "invalid YAML: \(error)")
        }
        guard let mapping = node?.mapping else {
            throw .invalidManifest(file: file, line: 1, message: "expected a mapping with 'board', 'language' "
                + "and 'sources'")
        }
        var values: [String: Node] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard keys.contains(name) else {
                throw .invalidManifest(file: file, line: key.mark?.line, message: "unknown key '\(name)'; "
                    + "expected one of: \(keys.joined(separator: ", "))")
            }
            values[name] = value
        }
        func string(_ key: String) throws(BuildError) -> String? {
            guard let value = values[key] else { return nil }
            guard let text = value.string, !text.isEmpty else {
                throw .invalidManifest(file: file, line: value.mark?.line, message: "'\(key)' must be a text value")
            }
            return text
        }
        func list(_ key: String) throws(BuildError) -> [String] {
            guard let value = values[key] else { return [] }
            if case .scalar(let scalar) = value, scalar.string.isEmpty || scalar.string == "~" { return [] }
            guard let sequence = value.sequence else {
                throw .invalidManifest(file: file, line: value.mark?.line, message: "'\(key)' must be a list")
            }
            var result: [String] = []
            for item in sequence {
                guard let text = item.string else {
                    throw .invalidManifest(file: file, line: item.mark?.line,
                                           message: "every entry of '\(key)' must be text")
                }
                result.append(text)
            }
            return result
        }
        guard let board = try string("board") else {
            throw .invalidManifest(file: file, line: 1, message: "'board' is missing; name a board id "
                + "from 'atelier boards list'")
        }
        let languageText = try string("language") ?? "c"
        guard let language = Language(rawValue: languageText) else {
            throw .invalidManifest(file: file, line: values["language"]?.mark?.line,
                                   message: "unknown language '\(languageText)'; expected c, cpp or swift")
        }
        var manifest = ProjectManifest(board: board, language: language, sources: try list("sources"))
        if manifest.sources.isEmpty {
            throw .invalidManifest(file: file, line: values["sources"]?.mark?.line ?? 1,
                                   message: "'sources' must list at least one glob, e.g. src/**/*.c")
        }
        manifest.includePaths = try list("include_paths")
        manifest.defines = try list("defines")
        manifest.flags = try list("flags")
        manifest.linkFlags = try list("link_flags")
        manifest.linkerScript = try string("linker_script")
        return manifest
    }

    /// The folder holding `atelier.yaml`: `start` or the nearest folder above it.
    /// Plain string and access(2) work: this runs on every no-op build, where URL would be a visible cost.
    public static func findRoot(from start: String) throws(BuildError) -> String {
        // The working directory is already absolute and normalized; only relative starts need URL's help.
        var folder = start.hasPrefix("/") && !start.contains("/.") ? start
            : URL(fileURLWithPath: start).standardizedFileURL.path
        if folder.count > 1, folder.hasSuffix("/") { folder.removeLast() }
        while true {
            if access((folder == "/" ? "" : folder) + "/atelier.yaml", F_OK) == 0 { return folder }
            guard folder != "/", let slash = folder.lastIndex(of: "/") else { throw .noProject(searchedFrom: start) }
            folder = slash == folder.startIndex ? "/" : String(folder[..<slash])
        }
    }
}
