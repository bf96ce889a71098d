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
        let root = try ProjectManifest.findRoot(from: FileManager.default.currentDirectoryPath)
        let manifest = try ProjectManifest.load((root as NSString).appendingPathComponent("atelier.yaml"))
        let folders = try global.resources().catalogFolders(extra: global.boardsPaths, projectDirectory: root)
        let board = try BoardCatalog.load(folders: folders).board(manifest.board)
        return try Builder(root: root, manifest: manifest, board: board)
    }
}
