import BoardCatalog
import Foundation

/// What test suites share: the package root found from this file's path, the built-in catalog and scratch
/// folders. A library of its own (as swift-argument-parser's test helpers are) so no suite keeps a copy.
public enum TestSupport {
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { break }
        }
        return url.path
    }()

    public static let resources = AtelierResources(root: root)

    public static let catalog: BoardCatalog = {
        do {
            return try BoardCatalog.load(folders: [resources.boardsFolder])
        } catch {
            fatalError("the catalog in \(resources.boardsFolder) does not load: \(error)")
        }
    }()

    public static func board(_ id: String) throws -> Board { try catalog.board(id) }

    /// A new empty folder under the system's temporary folder, grouped by suite.
    public static func temporaryFolder(_ name: String, suite: String = "tests") throws -> String {
        let path = NSTemporaryDirectory() + "atelier-\(suite)/\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
