import Foundation

/// Runs the built `atelier-rig` as a subprocess, the way CI and the benchmarks do, with the peer tool under it.
enum RigProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var output: String { stdout + stderr }
    }

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `atelier-rig` from the folder that holds the test bundle (any `--scratch-path`), else `.build/debug`.
    static func executable() throws -> URL {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["ATELIER_RIG"] {
            candidates.append(URL(fileURLWithPath: override))
        }
        let running = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        candidates.append(running.deletingLastPathComponent().appendingPathComponent("atelier-rig"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("atelier-rig"))
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("atelier-rig"))
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/atelier-rig"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw PeerTestError.missingRig(searched: candidates.map(\.path))
        }
        return found
    }

    /// Fails with the Debian package to install when a peer tool is not on PATH.
    static func requireTool(_ name: String, package: String) throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let found = path.split(separator: ":").contains { folder in
            FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)")
        }
        if !found { throw PeerTestError.missingTool(name, package: package) }
    }

    /// `atelier-rig ARGUMENTS` in `directory`, with the repository's boards, killed after `timeout` seconds.
    static func run(_ arguments: [String], in directory: URL, timeout: TimeInterval = 120) throws -> Result {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["ATELIER_HOME"] = packageRoot.path
        process.environment = environment
        let out = directory.appendingPathComponent("rig-\(UUID().uuidString).out")
        let err = directory.appendingPathComponent("rig-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        // Files rather than pipes: a chatty tool cannot fill a pipe and stall while nobody reads it.
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                throw PeerTestError.timeout(arguments, seconds: timeout)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
        return Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Deterministic bytes that look like firmware: no long runs of 0xFF that would hide a missed write.
    static func firmware(count: Int, seed: UInt32) -> Data {
        var state = seed
        var bytes = [UInt8](repeating: 0, count: count)
        for index in bytes.indices {
            state = state &* 1_664_525 &+ 1_013_904_223
            bytes[index] = UInt8(truncatingIfNeeded: state >> 24)
        }
        return Data(bytes)
    }
}
