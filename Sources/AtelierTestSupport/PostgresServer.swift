import Foundation

/// A throwaway PostgreSQL server for tests: initdb into a temporary folder, pg_ctl start on a private loopback
/// port, stop and delete on `stop()`. PostgreSQL refuses to run as root, so as root it runs as the `postgres`
/// user that Debian's package creates.
///
/// Starting a server takes seconds, so the tests of one process share one (`shared()`, stopped when the process
/// exits) and each test takes a database of its own (`newDatabase()`): the ledger's serials and MACs are unique
/// across a whole database, so tests must not share one.
public final class PostgresServer: @unchecked Sendable {
    public let folder: URL
    public let port: Int
    public var url: String { "postgres://atelier@127.0.0.1:\(port)/postgres" }

    /// The folder of Debian's initdb and pg_ctl, or nil when PostgreSQL is not installed (make deps installs it).
    static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "\(root)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: "\($0)/pg_ctl") }
    }()

    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: PostgresServer?

    /// The server this test process shares, started on first use and stopped at exit.
    public static func shared() throws -> PostgresServer {
        try lock.withLock {
            if let started { return started }
            let server = try PostgresServer()
            started = server
            atexit { PostgresServer.started?.stop() }
            return server
        }
    }

    /// A new empty database on this server; its postgres:// address.
    public func newDatabase() throws -> String {
        guard let bin = Self.binaries else { throw Failed(description: "PostgreSQL is not installed; run make deps") }
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try Self.shell("\(bin)/createdb -h 127.0.0.1 -p \(port) -U atelier \(name) > \(folder.path)/createdb.log 2>&1")
        return "postgres://atelier@127.0.0.1:\(port)/\(name)"
    }

    public init() throws {
        guard let bin = Self.binaries else { throw Failed(description: "PostgreSQL is not installed; run make deps") }
        folder = URL(fileURLWithPath: "/tmp/atelier-pg-\(UUID().uuidString.prefix(8))")
        port = Int.random(in: 20_000..<40_000)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if getuid() == 0 { try Self.shell("chown postgres \(folder.path)") }
        let data = folder.appendingPathComponent("data").path
        let logs = folder.path
        try asServerUser("\(bin)/initdb -D \(data) -U atelier --auth=trust -E UTF8 --no-sync > \(logs)/initdb.log 2>&1")
        // Loopback only, a socket in our own folder, and no fsync: a test server, thrown away afterwards.
        let options = "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c fsync=off"
        try asServerUser(
            "\(bin)/pg_ctl -D \(data) -o '\(options)' -l \(logs)/log -w -t 30 start > \(logs)/start.log 2>&1")
    }

    public func stop() {
        if let bin = Self.binaries {
            let data = folder.appendingPathComponent("data").path
            try? asServerUser("\(bin)/pg_ctl -D \(data) -m immediate -w stop > \(folder.path)/stop.log 2>&1")
        }
        try? FileManager.default.removeItem(at: folder)
    }

    private func asServerUser(_ command: String) throws {
        try Self.shell(getuid() == 0 ? "runuser -u postgres -- sh -c \"\(command)\"" : command)
    }

    /// posix_spawn and waitpid, not Foundation's Process: its waitUntilExit never returned once pg_ctl had left
    /// a daemon running that inherited the child's descriptors.
    static func shell(_ command: String) throws {
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", command + " < /dev/null"]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ)
        guard spawned == 0 else { throw Failed(description: "cannot start /bin/sh: error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // Output goes to files in the server's folder: /dev/null is not always writable for the postgres user.
        guard status == 0 else { throw Failed(description: "'\(command)' exited with status \(status)") }
    }
}
