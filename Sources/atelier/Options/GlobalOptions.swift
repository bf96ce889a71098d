import ArgumentParser
import BoardCatalog
import Foundation

/// Options every command understands.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("boards-path"), help: ArgumentHelp(
        "An extra folder of board and chip files (repeatable). Also read: ATELIER_BOARDS_PATH, ./boards/.",
        valueName: "dir"))
    var boardsPaths: [String] = []

    func resources() throws -> AtelierResources {
        guard let resources = AtelierResources.locate() else {
            throw CommandFailure(
                message: "cannot find atelier's Boards/ folder next to the executable",
                hint: "set ATELIER_HOME to the folder that holds Boards/ and Templates/",
                exitCode: .environment)
        }
        return resources
    }

    /// The catalog from the built-in boards, the environment, `--boards-path` and the current project.
    func catalog() throws -> BoardCatalog {
        let folders = try resources().catalogFolders(
            extra: boardsPaths, projectDirectory: FileManager.default.currentDirectoryPath)
        return try BoardCatalog.load(folders: folders)
    }
}
