import ArgumentParser
import BoardCatalog
import Build
import Foundation

/// Options of the commands that work on the project in the current folder.
struct ProjectOptions: ParsableArguments {
    @Flag(help: "Build the release profile (-Os) instead of debug.") var release = false
    @Option(name: [.short, .long], help: "Parallel compile jobs (default: the number of cores).") var jobs: Int?

    var buildOptions: BuildOptions {
        BuildOptions(profile: release ? .release : .debug, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
    }

    /// The project around the current folder, its board and a builder for it.
    func builder(_ global: GlobalOptions) throws -> Builder {
        let root = try projectRoot()
        let manifest = try ProjectManifest.load((root as NSString).appendingPathComponent("atelier.yaml"))
        let folders = try catalogFolders(global, root: root)
        let board = try BoardCatalog.load(folders: folders).board(manifest.board)
        return try Builder(root: root, manifest: manifest, board: board)
    }

    /// Builds the project, or, when nothing it read has changed since the last build, returns that build's
    /// report without loading the catalog or parsing YAML (see `BuildStamp`).
    func build(_ global: GlobalOptions) throws -> BuildReport {
        let root = try projectRoot()
        let folders = try catalogFolders(global, root: root)
        let context = Self.context(folders: folders)
        if let report = BuildStamp.upToDateReport(root: root, profile: buildOptions.profile, context: context) {
            return report
        }
        let report = try builder(global).build(buildOptions, watching: catalogFiles(folders), context: context)
        // The text a no-op build prints, for FastPath, which answers before any of this runs.
        let noOpText = BuildStamp.path(root: root, profile: buildOptions.profile, suffix: "noop.txt")
        try? Data(BuildOutput.text(report.asUpToDate).utf8).write(to: URL(fileURLWithPath: noOpText))
        return report
    }

    /// What besides the project's files decides a build: where boards come from, and where tools are found.
    static func context(folders: [String]) -> String {
        (folders + ["PATH=" + (ProcessInfo.processInfo.environment["PATH"] ?? "")]).joined(separator: "\n")
    }

    private func projectRoot() throws -> String {
        try ProjectManifest.findRoot(from: FileManager.default.currentDirectoryPath)
    }

    private func catalogFolders(_ global: GlobalOptions, root: String) throws -> [String] {
        try global.resources().catalogFolders(extra: global.boardsPaths, projectDirectory: root)
    }

    /// The catalog folders and the files in them: a board or chip file edited, added or removed rebuilds.
    private func catalogFiles(_ folders: [String]) -> [String] {
        var paths: [String] = []
        for folder in folders {
            for sub in [folder, (folder as NSString).appendingPathComponent("chips")] {
                paths.append(sub)
                let names = (try? FileManager.default.contentsOfDirectory(atPath: sub)) ?? []
                paths += names.filter { $0.hasSuffix(".yaml") }.map { (sub as NSString).appendingPathComponent($0) }
            }
        }
        // The project's own boards/ folder is added when it exists; watching the root notices it appearing.
        return paths
    }
}
