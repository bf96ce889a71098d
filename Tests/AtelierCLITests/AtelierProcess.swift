import Foundation
import Testing

/// Runs the built `atelier` executable as a user would, capturing what it prints and its exit code.
struct AtelierProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The executable built beside the test bundle, whatever scratch path `swift test` used.
    static func executable(_ name: String = "atelier") throws -> URL {
        let bundleFolder = Bundle.main.bundleURL.deletingLastPathComponent()
        var candidates = [bundleFolder.appendingPathComponent(name)]
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CLITestError.missingExecutable(name, searched: candidates.map(\.path))
        }
        return found
    }

    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], executable name: String = "atelier"
    ) throws -> Result {
        let process = Process()
        process.executableURL = try executable(name)
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? FileManager.default.temporaryDirectory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and stall the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

enum CLITestError: Error, CustomStringConvertible {
    case missingExecutable(String, searched: [String])

    var description: String {
        switch self {
        case .missingExecutable(let name, let searched):
            "the '\(name)' executable was not built; looked in \(searched.joined(separator: ", ")). Run 'swift build' first."
        }
    }
}
