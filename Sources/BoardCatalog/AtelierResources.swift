import Foundation

/// Finds the folders atelier ships beside its code (`Boards/`, `Templates/`) and the extra board folders a
/// user names, in the order they are searched.
public struct AtelierResources: Sendable {
    /// The folder that holds `Boards/` and `Templates/`.
    public var root: String

    public init(root: String) {
        self.root = root
    }

    /// `$ATELIER_HOME` when set, else the first folder above the running executable that holds `Boards/chips`
    /// (a build tree keeps the executable under `.build/`), else `<prefix>/share/atelier` for an installed copy.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> AtelierResources? {
        if let home = environment["ATELIER_HOME"], !home.isEmpty { return AtelierResources(root: home) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        let candidates = [URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), executable]
        for start in candidates {
            var folder = start.deletingLastPathComponent()
            while folder.path != "/" {
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Boards/chips").path) {
                    return AtelierResources(root: folder.path)
                }
                let installed = folder.appendingPathComponent("share/atelier")
                if FileManager.default.fileExists(atPath: installed.appendingPathComponent("Boards/chips").path) {
                    return AtelierResources(root: installed.path)
                }
                folder.deleteLastPathComponent()
            }
        }
        return nil
    }

    public var boardsFolder: String { (root as NSString).appendingPathComponent("Boards") }
    public var templatesFolder: String { (root as NSString).appendingPathComponent("Templates") }

    /// Built-in boards, then `ATELIER_BOARDS_PATH` (colon-separated), then `--boards-path`, then the project's
    /// `./boards/` when it exists.
    public func catalogFolders(
        extra: [String] = [], projectDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> [String] {
        var folders = [boardsFolder]
        if let path = environment["ATELIER_BOARDS_PATH"] {
            folders += path.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        folders += extra
        if let projectDirectory {
            let local = (projectDirectory as NSString).appendingPathComponent("boards")
            if FileManager.default.fileExists(atPath: local) { folders.append(local) }
        }
        return folders
    }
}
