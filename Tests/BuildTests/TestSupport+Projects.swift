import AtelierTestSupport
import Build
import Foundation
import Scaffold
import Testing

extension TestSupport {
    /// Scaffolds a project into a fresh folder and returns the folder and a builder for it.
    static func project(
        _ boardID: String, _ language: Language, _ template: ProjectTemplate, name: String? = nil
    ) throws -> (root: String, builder: Builder) {
        let board = try board(boardID)
        let root = try temporaryFolder(name ?? "\(boardID)-\(language.rawValue)-\(template.rawValue)", suite: "build-tests")
        let generator = ProjectGenerator(templatesFolder: resources.templatesFolder)
        try generator.write(generator.plan(ProjectRequest(board: board, language: language, template: template,
                                                          name: "p")), to: root, force: true)
        let manifest = try ProjectManifest.load(root + "/atelier.yaml")
        return (root, try Builder(root: root, manifest: manifest, board: board))
    }

    /// Removes a test's project folder: builds leave a few MB each.
    static func remove(_ folder: String) {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The `atelier` executable of this build: the one beside this test bundle (swift test builds every product into
    /// its folder, so a sanitizer run gets its own instrumented binary), else the newest in any scratch folder.
    static var atelierExecutable: String? {
        let manager = FileManager.default
        // The bundle is the running executable on Linux, an argument of swiftpm-testing-helper on macOS.
        let bundles = CommandLine.arguments.prefix(1) + CommandLine.arguments.filter { $0.hasSuffix(".xctest") }
        for bundle in bundles {
            let folder = URL(fileURLWithPath: bundle).resolvingSymlinksInPath().deletingLastPathComponent()
            let beside = folder.appendingPathComponent("atelier").path
            if manager.isExecutableFile(atPath: beside) { return beside }
        }
        let candidates = (try? manager.contentsOfDirectory(atPath: root))?.filter { $0.hasPrefix(".build") } ?? []
        return candidates.map { "\(root)/\($0)/debug/atelier" }.filter { manager.isExecutableFile(atPath: $0) }
            .max { modified($0) < modified($1) }
    }

    private static func modified(_ path: String) -> Date {
        (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
    }

    /// Runs the CLI in `directory`; returns its exit status and everything it printed.
    static func atelier(_ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
        let executable = try #require(atelierExecutable, "build the atelier executable first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
