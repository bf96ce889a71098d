import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a finished process left behind.
public struct ProcessResult: Sendable {
    public var status: Int32
    /// Standard output and standard error, interleaved as the tool wrote them.
    public var output: String

    public var succeeded: Bool { status == 0 }
}

/// Runs tools and counts how many it started, so a build can prove that a no-op spawned nothing.
///
/// It calls posix_spawn directly: Foundation's Process took about 25 ms per start here (it walks every
/// possible file descriptor), which is more than compiling a small C file.
public final class ProcessRunner: Sendable {
    private let count = Mutex(0)

    public init() {}

    /// How many processes this runner has started.
    public var spawned: Int { count.withLock { $0 } }

    private typealias AddChdir = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
    ) -> Int32

    /// glibc 2.29+ has posix_spawn_file_actions_addchdir_np; Swift's Glibc module does not import it.
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }

    /// Runs `executable` with `arguments` in `directory` and waits for it.
    public func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws(BuildError)
        -> ProcessResult
    {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .spawnFailed(tool: executable, reason: String(cString: strerror(errno))) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        if let directory {
            guard let addChdir = Self.addChdir else {
                close(fds[0])
                close(fds[1])
                throw .spawnFailed(tool: executable, reason: "this C library cannot set a child's directory "
                    + "(posix_spawn_file_actions_addchdir_np needs glibc 2.29 or later)")
            }
            _ = addChdir(&actions, directory)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawnStatus = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(fds[1])
        guard spawnStatus == 0 else {
            close(fds[0])
            throw .spawnFailed(tool: executable, reason: String(cString: strerror(spawnStatus)))
        }
        count.withLock { $0 += 1 }
        // Read to the end before waiting: a tool that fills the pipe would otherwise block forever.
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let read = read(fds[0], &buffer, buffer.count)
            if read > 0 {
                output.append(contentsOf: buffer[0..<read])
            } else if read < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros; a signal counts as failure.
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return ProcessResult(status: exitStatus, output: String(decoding: output, as: UTF8.self))
    }
}
