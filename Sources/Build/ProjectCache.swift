import BoardCatalog
import Foundation

/// The manifest and the resolved board of the last build, kept while atelier.yaml and the catalog files
/// are unchanged (by size and time, as `BuildStamp` checks), so that a rebuild after an edit does not parse
/// YAML: reading the catalog was a quarter of atelier's own time in a one-file rebuild.
public enum ProjectCache {
    static func stampPath(_ root: String) -> String {
        (root as NSString).appendingPathComponent(".atelier/build/project.stamp")
    }

    static func dataPath(_ root: String) -> String {
        (root as NSString).appendingPathComponent(".atelier/build/project.json")
    }

    struct Entry: Codable {
        var manifest: ProjectManifest
        var board: Board
    }

    /// The cached manifest and board, when nothing they were read from has changed.
    public static func load(root: String, context: String) -> (manifest: ProjectManifest, board: Board)? {
        guard BuildStamp.matches(stampFile: stampPath(root), context: context),
            let data = FileManager.default.contents(atPath: dataPath(root)),
            let entry = try? JSONDecoder().decode(Entry.self, from: data)
        else { return nil }
        return (entry.manifest, entry.board)
    }

    /// Remembers what `sources` (atelier.yaml, the catalog's folders and files) produced.
    public static func save(manifest: ProjectManifest, board: Board, sources: [String], root: String,
                            context: String)
    {
        let folder = (root as NSString).appendingPathComponent(".atelier/build")
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard let text = BuildStamp.stampText(inputs: Set(sources), outputs: [], context: context),
            let data = try? JSONEncoder().encode(Entry(manifest: manifest, board: board))
        else { return }
        try? data.write(to: URL(fileURLWithPath: dataPath(root)))
        try? Data(text.utf8).write(to: URL(fileURLWithPath: stampPath(root)))
    }
}
