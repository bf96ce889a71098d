import Foundation

/// Every chip and board atelier knows, loaded from one or more catalog folders.
///
/// A folder holds board files (`*.yaml`) and a `chips/` subfolder with chip files. Later folders add to
/// earlier ones; an id defined twice is an error, so a project cannot silently replace a built-in board.
public struct BoardCatalog: Sendable {
    public private(set) var chips: [String: Chip] = [:]
    public private(set) var boardsByID: [String: Board] = [:]

    /// Boards sorted by id.
    public var boards: [Board] { boardsByID.values.sorted { $0.id < $1.id } }

    public init(boards: [Board], chips: [Chip]) {
        for chip in chips { self.chips[chip.id] = chip }
        for board in boards { boardsByID[board.id] = board }
    }

    /// Loads and validates every file under `folders`, in order.
    public static func load(folders: [String]) throws(BoardCatalogError) -> BoardCatalog {
        var files: [CatalogFile] = []
        for folder in folders {
            files += try CatalogFile.list(in: folder)
        }
        return try load(files: files)
    }

    /// Loads a set of files already in memory; `load(folders:)` and the tests share this.
    static func load(files: [CatalogFile]) throws(BoardCatalogError) -> BoardCatalog {
        let chipNodes = try resolveExtends(files.filter { $0.kind == .chip })
        var chips: [String: Chip] = [:]
        for node in chipNodes {
            let chip = try Chip(decoding: node)
            chips[chip.id] = chip
        }
        var catalog = BoardCatalog(boards: [], chips: Array(chips.values))
        for node in try resolveExtends(files.filter { $0.kind == .board }) {
            let board = try Board(decoding: node, chips: chips)
            catalog.boardsByID[board.id] = board
        }
        return catalog
    }

    /// The board with this id, or an error that suggests the nearest ids.
    public func board(_ id: String) throws(BoardCatalogError) -> Board {
        if let board = boardsByID[id] { return board }
        throw .unknownBoard(id, suggestions: closest(to: id, in: boardsByID.keys.sorted()))
    }

    /// Resolves `extends:` within one kind of file: parents first, children merged over them.
    private static func resolveExtends(_ files: [CatalogFile]) throws(BoardCatalogError) -> [YAMLNode] {
        var byID: [String: (file: CatalogFile, node: YAMLNode, extends: String?, extendsLine: Int)] = [:]
        var order: [String] = []
        for file in files {
            let node = try YAMLNode.parse(file.text, file: file.path)
            guard case .mapping(let entries) = node.value else {
                throw .invalid(node.location, "a \(file.kind) file must be a mapping with at least an 'id'")
            }
            guard let idEntry = entries.first(where: { $0.key == "id" }), case .scalar(let id) = idEntry.value.value, !id.isEmpty
            else {
                throw .invalid(node.location, "missing required key 'id'")
            }
            let location = SourceLocation(file: file.path, line: idEntry.keyLine)
            if let first = byID[id] {
                throw .duplicateID(location, id: id, firstSeen: first.node.location)
            }
            var parent: String?
            var parentLine = node.location.line
            if let entry = entries.first(where: { $0.key == "extends" }), case .scalar(let name) = entry.value.value {
                parent = name
                parentLine = entry.keyLine
            }
            byID[id] = (file, node, parent, parentLine)
            order.append(id)
        }

        var resolved: [String: YAMLNode] = [:]
        func resolve(_ id: String, chain: [String]) throws(BoardCatalogError) -> YAMLNode {
            if let done = resolved[id] { return done }
            guard let entry = byID[id] else { preconditionFailure("resolve is only called with known ids") }
            guard let parentID = entry.extends else {
                resolved[id] = entry.node
                return entry.node
            }
            let extendsLocation = SourceLocation(file: entry.file.path, line: entry.extendsLine)
            if chain.contains(parentID) {
                throw .extendsCycle(extendsLocation, chain: chain + [parentID])
            }
            guard byID[parentID] != nil else {
                throw .unknownReference(extendsLocation, kind: "\(entry.file.kind) to extend", id: parentID,
                                        suggestions: closest(to: parentID, in: order))
            }
            let merged = YAMLNode.merge(parent: try resolve(parentID, chain: chain + [parentID]), child: entry.node)
            resolved[id] = merged
            return merged
        }
        var result: [YAMLNode] = []
        for id in order { result.append(try resolve(id, chain: [id])) }
        return result
    }
}

/// One YAML file of a catalog folder, read into memory.
struct CatalogFile: Sendable {
    enum Kind: String, Sendable { case chip, board }

    var path: String
    var kind: Kind
    var text: String

    /// The board files of `folder` and the chip files of `folder/chips`, sorted by name so loading is repeatable.
    static func list(in folder: String) throws(BoardCatalogError) -> [CatalogFile] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw .unreadable(path: folder, reason: "no such folder")
        }
        if !isDirectory.boolValue {
            let kind: Kind = (folder as NSString).deletingLastPathComponent.hasSuffix("chips") ? .chip : .board
            return [try read(folder, kind: kind)]
        }
        var files: [CatalogFile] = []
        for (subfolder, kind) in [("chips", Kind.chip), ("", Kind.board)] {
            let directory = subfolder.isEmpty ? folder : (folder as NSString).appendingPathComponent(subfolder)
            guard let names = try? manager.contentsOfDirectory(atPath: directory) else { continue }
            for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                files.append(try read((directory as NSString).appendingPathComponent(name), kind: kind))
            }
        }
        return files
    }

    private static func read(_ path: String, kind: Kind) throws(BoardCatalogError) -> CatalogFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "the file cannot be opened")
        }
        guard data.count <= YAMLNode.maximumFileSize else {
            throw .invalid(SourceLocation(file: path, line: 1), "file is larger than \(YAMLNode.maximumFileSize) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalid(SourceLocation(file: path, line: 1), "the file is not UTF-8 text")
        }
        return CatalogFile(path: path, kind: kind, text: text)
    }
}
