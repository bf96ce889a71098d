import Foundation
import Testing

/// Runs a built executable of this package as a subprocess and captures what it says.
struct CLIRunner {
    struct Result {
        var stdout: String
        var stderr: String
        var exitCode: Int32
    }

    /// Finds `name` (`atelier`, `atelier-rig`): $ATELIER_BIN_DIR if set, then the folder holding this test bundle
    /// (swift test builds every product into it), then the package's scratch folders found by walking up from
    /// this file to Package.swift.
    static func locate(_ name: String, file: String = #filePath) -> String? {
        var folders: [String] = []
        if let override = ProcessInfo.processInfo.environment["ATELIER_BIN_DIR"] { folders.append(override) }
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var folder = bundle.deletingLastPathComponent()
        // On macOS the test binary sits inside Foo.xctest/Contents/MacOS; climb out of the bundle.
        while folder.path.contains(".xctest") { folder = folder.deletingLastPathComponent() }
        folders.append(folder.path)
        var root = URL(fileURLWithPath: file).deletingLastPathComponent()
        let files = FileManager.default
        while root.path != "/" && !files.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root = root.deletingLastPathComponent()
        }
        let scratch = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?
            .filter { $0.hasPrefix(".build") }.sorted() ?? []
        folders += scratch.map { root.appendingPathComponent($0).appendingPathComponent("debug").path }
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    directory: URL? = nil, timeout: TimeInterval = 120) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-cli-\(UUID().uuidString)")
        let err = out.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        // Files, not pipes: a chatty child can never block on a full pipe while we wait for it.
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("\(executable) \(arguments) did not finish in \(timeout) s")
        }
        return Result(stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "",
                      exitCode: process.terminationStatus)
    }

    /// Runs `atelier ARGUMENTS`, failing the test when the binary has not been built.
    static func atelier(_ arguments: String..., environment: [String: String]? = nil, in directory: URL? = nil)
        throws -> Result
    {
        let binary = try #require(locate("atelier"), "build the atelier executable first (swift build)")
        return try run(binary, arguments, environment: environment, directory: directory)
    }

    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A fresh empty folder for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
