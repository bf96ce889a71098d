import BoardCatalog
import Foundation
import Mustache

/// One file of a generated project: its path relative to the project folder and its text.
public struct GeneratedFile: Hashable, Sendable {
    public var path: String
    public var contents: String

    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

/// What `atelier new` asks for.
public struct ProjectRequest: Sendable {
    public var board: Board
    public var language: Language
    public var template: ProjectTemplate
    /// Shown in the README; usually the folder's name.
    public var name: String

    public init(board: Board, language: Language = .c, template: ProjectTemplate = .hello, name: String) {
        self.board = board
        self.language = language
        self.template = template
        self.name = name
    }
}

/// Renders `Templates/` for a board into a project: `plan` is pure, `write` puts the files on disk.
///
/// Layout of the templates folder: `shared/` goes into every project, `<template>/<language>/` holds the
/// program (`<template>/common/` what it gives every language), `board/` the board support that is rendered
/// from the board's data. A path component written `dot-name` becomes `.name` (so the templates themselves are
/// not hidden files); `.mustache` is dropped.
public struct ProjectGenerator: Sendable {
    public var templatesFolder: String

    public init(templatesFolder: String) {
        self.templatesFolder = templatesFolder
    }

    /// Every file of the project, in path order, without touching the destination.
    public func plan(_ request: ProjectRequest) throws(ScaffoldError) -> [GeneratedFile] {
        let board = request.board
        let supported = Language.supported(by: board)
        guard supported.contains(request.language) else {
            throw .unsupportedLanguage(board: board.id, language: request.language.rawValue,
                                       supported: supported.map(\.rawValue))
        }
        let programFolder = "\(request.template.rawValue)/\(request.language.rawValue)"
        let available = ProjectTemplate.allCases.map(\.rawValue).filter {
            FileManager.default.fileExists(atPath: path("\($0)/\(request.language.rawValue)"))
        }
        guard FileManager.default.fileExists(atPath: path(programFolder)) else {
            throw .unknownTemplate(name: request.template.rawValue, language: request.language.rawValue,
                                   available: available)
        }
        let context = TemplateContext.make(board: board, language: request.language, template: request.template,
                                           projectName: request.name)
        var files: [GeneratedFile] = []
        // `<template>/common/` holds what a template gives every language (the provisioned batch file).
        let common = "\(request.template.rawValue)/common"
        let folders = ["shared"] + (FileManager.default.fileExists(atPath: path(common)) ? [common] : [])
        for folder in folders + [programFolder] {
            for relative in try templateFiles(in: folder) {
                let text = try render(file: "\(folder)/\(relative)", context: context)
                files.append(GeneratedFile(path: try Self.outputPath(for: relative, template: "\(folder)/\(relative)"),
                                           contents: text))
            }
        }
        var support = ["atelier.h", "atelier_console.c", "atelier_led.c"]
        if request.language == .swift { support.append("atelier_swift_support.c") }
        for name in support {
            let text = try render(file: "board/\(name).mustache", context: context)
            files.append(GeneratedFile(path: "board/\(name)", contents: text))
        }
        if let script = try LinkerScript.generate(for: board) {
            files.append(GeneratedFile(path: "board/linker.ld", contents: script))
        }
        if let startup = StartupCode.generate(for: board) {
            files.append(GeneratedFile(path: "board/startup.c", contents: startup))
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Writes `files` under `directory`, creating it. Refuses a folder that holds anything unless `force`,
    /// and any path that would land outside it.
    public func write(_ files: [GeneratedFile], to directory: String, force: Bool) throws(ScaffoldError) {
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: directory), !existing.isEmpty, !force {
            throw .directoryNotEmpty(path: directory)
        }
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, reason: error.localizedDescription)
        }
        for file in files {
            let destination = try Self.checkedDestination(file.path, in: directory)
            do {
                try manager.createDirectory(atPath: (destination as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: destination))
            } catch {
                throw .io(path: destination, reason: error.localizedDescription)
            }
        }
    }

    /// The absolute destination of `relative` under `root`, or an error when it is absolute, climbs with
    /// `..`, or passes through a symlink that already exists in the project (which could point anywhere).
    public static func checkedDestination(_ relative: String, in root: String) throws(ScaffoldError) -> String {
        let components = relative.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if relative.isEmpty || relative.hasPrefix("/") || relative.hasPrefix("~")
            || components.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty })
        {
            throw .pathEscapes(template: relative, path: relative)
        }
        var current = root
        for component in components {
            current = (current as NSString).appendingPathComponent(component)
            if let kind = try? FileManager.default.attributesOfItem(atPath: current)[.type] as? FileAttributeType,
                kind == .typeSymbolicLink
            {
                throw .pathEscapes(template: relative, path: current)
            }
        }
        return current
    }

    /// A template's project path: `.mustache` dropped, `dot-x` turned into `.x`, checked like a destination.
    static func outputPath(for relative: String, template: String) throws(ScaffoldError) -> String {
        var name = relative
        if name.hasSuffix(".mustache") { name.removeLast(".mustache".count) }
        let mapped = name.split(separator: "/").map { $0.hasPrefix("dot-") ? "." + $0.dropFirst(4) : String($0) }
        let result = mapped.joined(separator: "/")
        if relative.hasPrefix("/") || mapped.contains(where: { $0 == ".." || $0 == "." }) {
            throw .pathEscapes(template: template, path: result)
        }
        return result
    }

    private func path(_ relative: String) -> String { (templatesFolder as NSString).appendingPathComponent(relative) }

    /// The files under a template folder, relative to it. A symlink among them is refused: it could pull in
    /// any file of the machine, or write through to one.
    private func templateFiles(in folder: String) throws(ScaffoldError) -> [String] {
        let base = path(folder)
        guard let enumerator = FileManager.default.enumerator(atPath: base) else {
            throw .io(path: base, reason: "the folder cannot be listed")
        }
        var result: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let full = (base as NSString).appendingPathComponent(relative)
            let attributes = try? FileManager.default.attributesOfItem(atPath: full)
            let kind = attributes?[.type] as? FileAttributeType
            if kind == .typeSymbolicLink { throw .pathEscapes(template: "\(folder)/\(relative)", path: full) }
            if kind == .typeRegular { result.append(relative) }
        }
        return result.sorted()
    }

    private func render(file relative: String, context: [String: Any]) throws(ScaffoldError) -> String {
        let full = path(relative)
        guard let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8)
        else {
            throw .io(path: full, reason: "the template cannot be read")
        }
        do {
            return try MustacheTemplate(string: text).render(context)
        } catch {
            throw .templateSyntax(file: full, message: "\(error)")
        }
    }
}
