import BoardCatalog
import Foundation

/// The package root, found from this file's path, and the catalog and templates in it.
enum TestSupport {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { break }
        }
        return url.path
    }()

    static let resources = AtelierResources(root: root)

    static let catalog: BoardCatalog = {
        do {
            return try BoardCatalog.load(folders: [resources.boardsFolder])
        } catch {
            fatalError("the catalog in \(resources.boardsFolder) does not load: \(error)")
        }
    }()

    static func board(_ id: String) throws -> Board { try catalog.board(id) }

    static func temporaryFolder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "atelier-scaffold-tests/\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
