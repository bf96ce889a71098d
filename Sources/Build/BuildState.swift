import Foundation

/// What the last build of a profile produced, kept in `.atelier/build/<board>/<profile>/state`.
///
/// A tab-separated text file rather than JSON: it is read and written on every build that does any work,
/// and Foundation's JSON coders were a larger share of a one-file rebuild than the hashing itself.
struct BuildState {
    struct Step: Hashable {
        /// Hash of everything the step's output depends on; equal key and existing output means up to date.
        var key: String
        /// Headers and other inputs the compiler reported in its depfile, relative to the project.
        var dependencies: [String]
    }

    struct CompilerVersion: Hashable {
        var size: UInt64
        var mtime: Double
        var version: String
    }

    static let magic = "atelier-state 2"

    var files: [String: FileHasher.Entry] = [:]
    var steps: [String: Step] = [:]
    /// `--version` text per compiler path, so a no-op build need not run the compiler to learn it.
    var compilers: [String: CompilerVersion] = [:]
    /// Hash of the commands last written to compile_commands.json, so unchanged commands are not re-encoded.
    var compileCommandsKey: String?

    /// The stored state, or an empty one (a full build) when the file is missing, old or damaged.
    static func load(_ path: String) -> BuildState {
        guard let bytes = BuildStamp.readFile(path) else { return BuildState() }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        guard lines.first == Substring(magic) else { return BuildState() }
        var state = BuildState()
        for line in lines.dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch fields.first {
            case "file" where fields.count == 5:
                guard let size = UInt64(fields[1]), let mtime = Double(fields[2]) else { return BuildState() }
                state.files[fields[4]] = FileHasher.Entry(size: size, mtime: mtime, hash: fields[3])
            case "step" where fields.count >= 3:
                state.steps[fields[1]] = Step(key: fields[2], dependencies: Array(fields.dropFirst(3)))
            case "compiler" where fields.count == 5:
                guard let size = UInt64(fields[1]), let mtime = Double(fields[2]) else { return BuildState() }
                state.compilers[fields[4]] = CompilerVersion(size: size, mtime: mtime, version: fields[3])
            case "compile_commands" where fields.count == 2:
                state.compileCommandsKey = fields[1]
            default:
                return BuildState()
            }
        }
        return state
    }

    var text: String {
        var lines = [Self.magic]
        if let compileCommandsKey { lines.append("compile_commands\t" + compileCommandsKey) }
        for (path, compiler) in compilers.sorted(by: { $0.key < $1.key }) {
            lines.append("compiler\t\(compiler.size)\t\(compiler.mtime)\t\(clean(compiler.version))\t\(path)")
        }
        for (path, entry) in files.sorted(by: { $0.key < $1.key }) {
            lines.append("file\t\(entry.size)\t\(entry.mtime)\t\(entry.hash)\t\(path)")
        }
        for (output, step) in steps.sorted(by: { $0.key < $1.key }) {
            lines.append((["step", output, step.key] + step.dependencies).joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func save(_ path: String) throws(BuildError) {
        let data = Data(text.utf8)
        // Unchanged state is not rewritten: a no-op build writes nothing.
        if let existing = BuildStamp.readFile(path), existing.elementsEqual(data) { return }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: error.localizedDescription)
        }
    }

    private func clean(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0 == "\n" ? " " : $0 })
    }
}
