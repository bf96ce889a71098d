import Foundation

/// The built `atelier` CLI, next to `atelier-rig`, for peer tests that start from a project atelier scaffolds and
/// builds itself.
enum AtelierCLI {
    /// `ATELIER` when set, else the `atelier` next to `atelier-rig`.
    static func executable() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["ATELIER"] { return URL(fileURLWithPath: override) }
        return try RigProcess.executable().deletingLastPathComponent().appendingPathComponent("atelier")
    }

    /// `atelier ARGUMENTS` in `directory` with the repository's boards and templates.
    static func run(_ arguments: [String], in directory: URL, timeout: TimeInterval = 180) throws
        -> RigProcess.Result
    {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["ATELIER_HOME"] = RigProcess.packageRoot.path
        process.environment = environment
        let out = directory.appendingPathComponent("atelier-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        // One file for both streams: only the status and the whole text matter here.
        let handle = try FileHandle(forWritingTo: out)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                throw PeerTestError.timeout(["atelier"] + arguments, seconds: timeout)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: out)
        return RigProcess.Result(status: process.terminationStatus, stdout: text, stderr: "")
    }
}
