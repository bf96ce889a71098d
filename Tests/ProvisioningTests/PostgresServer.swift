import Foundation

/// A throwaway PostgreSQL server for one test: initdb into a temporary folder, pg_ctl start on a private loopback
/// port, stop and delete on `stop()`. PostgreSQL refuses to run as root, so as root it runs as the `postgres`
/// user that Debian's package creates.
final class PostgresServer {
    let folder: URL
    let port: Int
    var url: String { "postgres://atelier@127.0.0.1:\(port)/postgres" }

    /// The folder of Debian's initdb and pg_ctl, or nil when PostgreSQL is not installed (make deps installs it).
    static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "\(root)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: "\($0)/pg_ctl") }
    }()

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
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

    func stop() {
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
