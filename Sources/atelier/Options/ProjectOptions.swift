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
        let context = Self.context(boardsPaths: global.boardsPaths)
        if let cached = ProjectCache.load(root: root, context: context) {
            return try Builder(root: root, manifest: cached.manifest, board: cached.board)
        }
        let manifestFile = (root as NSString).appendingPathComponent("atelier.yaml")
        let manifest = try ProjectManifest.load(manifestFile)
        let folders = try catalogFolders(global, root: root)
        let board = try BoardCatalog.load(folders: folders).board(manifest.board)
        ProjectCache.save(manifest: manifest, board: board, sources: [manifestFile, root] + catalogFiles(folders),
                          root: root, context: context)
        return try Builder(root: root, manifest: manifest, board: board)
    }

    /// Builds the project, or, when nothing it read has changed since the last build, returns that build's
    /// report without loading the catalog or parsing YAML (see `BuildStamp`).
    func build(_ global: GlobalOptions) throws -> BuildReport {
        let root = try projectRoot()
        let folders = try catalogFolders(global, root: root)
        let context = Self.context(boardsPaths: global.boardsPaths)
        if let report = BuildStamp.upToDateReport(root: root, profile: buildOptions.profile, context: context) {
            return report
        }
        let report = try builder(global).build(buildOptions, watching: catalogFiles(folders), context: context)
        // The text a no-op build prints, for FastPath, which answers before any of this runs.
        let noOpText = BuildStamp.path(root: root, profile: buildOptions.profile, suffix: "noop.txt")
        try? Data(BuildOutput.text(report.asUpToDate).utf8).write(to: URL(fileURLWithPath: noOpText))
        return report
    }

    /// What besides the files the stamp watches decides a build: which atelier runs (its location decides
    /// the built-in Boards/ folder), the environment that adds board folders, and where tools are found.
    /// Cheap on purpose, since FastPath computes it on every no-op build.
    static func context(boardsPaths: [String]) -> String {
        let executable = realpath("/proc/self/exe", nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? ""
        let variables: [String] = ["ATELIER_HOME", "ATELIER_BOARDS_PATH", "PATH"].map { name in
            name + "=" + (getenv(name).map { String(cString: $0) } ?? "")
        }
        return (["exe=" + executable] + variables + ["boards-path=" + boardsPaths.joined(separator: ":")])
            .joined(separator: "\n")
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
