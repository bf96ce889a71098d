import Foundation
import Synchronization

/// What a finished process left behind.
public struct ProcessResult: Sendable {
    public var status: Int32
    /// Standard output and standard error, interleaved as the tool wrote them.
    public var output: String

    public var succeeded: Bool { status == 0 }
}

/// Runs tools and counts how many it started, so a build can prove that a no-op spawned nothing.
public final class ProcessRunner: Sendable {
    private let count = Mutex(0)

    public init() {}

    /// How many processes this runner has started.
    public var spawned: Int { count.withLock { $0 } }

    /// Runs `executable` with `arguments` in `directory` and waits for it.
    public func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws(BuildError)
        -> ProcessResult
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .spawnFailed(tool: executable, reason: error.localizedDescription)
        }
        count.withLock { $0 += 1 }
        // Read before waiting: a tool that fills the pipe would otherwise block forever.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
