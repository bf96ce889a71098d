import Foundation

/// What the last build of a profile produced, kept in `.atelier/build/<board>/<profile>/state.json`.
struct BuildState: Codable {
    struct Step: Codable {
        /// Hash of everything the step's output depends on; equal key and existing output means up to date.
        var key: String
        /// Headers and other inputs the compiler reported in its depfile, relative to the project.
        var dependencies: [String]
    }

    struct CompilerVersion: Codable {
        var size: UInt64
        var mtime: Double
        var version: String
    }

    var version = 1
    var files: [String: FileHasher.Entry] = [:]
    var steps: [String: Step] = [:]
    /// `--version` text per compiler path, so a no-op build need not run the compiler to learn it.
    var compilers: [String: CompilerVersion] = [:]
    /// Hash of the commands last written to compile_commands.json, so unchanged commands are not re-encoded.
    var compileCommandsKey: String?

    static func load(_ path: String) -> BuildState {
        guard let data = FileManager.default.contents(atPath: path),
            let state = try? JSONDecoder().decode(BuildState.self, from: data), state.version == 1
        else { return BuildState() }
        return state
    }

    func save(_ path: String) throws(BuildError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let data = try encoder.encode(self)
            // Unchanged state is not rewritten: a no-op build writes nothing.
            if FileManager.default.contents(atPath: path) == data { return }
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: error.localizedDescription)
        }
    }
}
