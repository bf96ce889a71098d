import Foundation

/// The size and modification time of every file and folder a successful build read, and the report a
/// no-op build would give.
///
/// `atelier build` checks the stamp before it parses its arguments fully, loads the board catalog or reads
/// any YAML: when every recorded path still has the same size and time, and the context (PATH, the catalog
/// folders) is the same, nothing can have changed and the stored no-op report is the answer. Any difference
/// falls through to the full build, where content hashes decide what to compile, so the stamp can only save
/// work, never skip a needed step: a file touched without a change still compiles nothing.
///
/// The stamp is plain text (`size seconds nanoseconds path` per line) so that checking it needs no JSON
/// decoding: at a few milliseconds per no-op, decoding would be a large share.
public enum BuildStamp {
    static let magic = "atelier-stamp 1"

    /// `.atelier/build/<profile>.stamp`, and beside it the no-op report as JSON (`.noop.json`) and, once the
    /// CLI has rendered it, as text (`.noop.txt`).
    public static func path(root: String, profile: BuildProfile, suffix: String = "stamp") -> String {
        (root as NSString).appendingPathComponent(".atelier/build/\(profile.rawValue).\(suffix)")
    }

    static func signature(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "-1 0 0" }
        return "\(info.st_size) \(info.st_mtim.tv_sec) \(info.st_mtim.tv_nsec)"
    }

    /// Whether nothing recorded in the stamp has changed.
    public static func isUpToDate(root: String, profile: BuildProfile, context: String) -> Bool {
        matches(stampFile: path(root: root, profile: profile), context: context)
    }

    /// Whether every path in the stamp file at `stampFile` still has its recorded size and time.
    static func matches(stampFile: String, context: String) -> Bool {
        guard let data = readFile(stampFile) else { return false }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, lines[0] == magic, lines[1] == flatten(context) else { return false }
        for line in lines.dropFirst(2) where !line.isEmpty {
            // "size seconds nanoseconds path": the path is everything after the third space.
            let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4, let size = Int64(fields[0]), let seconds = Int64(fields[1]),
                let nanoseconds = Int64(fields[2])
            else { return false }
            var info = stat()
            if stat(String(fields[3]), &info) != 0 {
                if size != -1 { return false }
                continue
            }
            if Int64(info.st_size) != size || Int64(info.st_mtim.tv_sec) != seconds
                || Int64(info.st_mtim.tv_nsec) != nanoseconds
            {
                return false
            }
        }
        return true
    }

    /// The stored no-op report when nothing recorded has changed.
    public static func upToDateReport(root: String, profile: BuildProfile, context: String) -> BuildReport? {
        guard isUpToDate(root: root, profile: profile, context: context),
            let data = FileManager.default.contents(atPath: path(root: root, profile: profile, suffix: "noop.json"))
        else { return nil }
        return try? JSONDecoder().decode(BuildReport.self, from: data)
    }

    /// Records `inputs` and `outputs` after a successful build. An input written within the last few
    /// milliseconds could change again within the same clock tick, unseen; then no stamp is written and the
    /// next build takes the full path. (The build's own outputs are not edited behind its back.)
    static func write(inputs: Set<String>, outputs: Set<String>, context: String, report: BuildReport, root: String,
                      profile: BuildProfile)
    {
        guard let text = stampText(inputs: inputs, outputs: outputs, context: context) else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let json = try? encoder.encode(report.asUpToDate) else { return }
        try? json.write(to: URL(fileURLWithPath: path(root: root, profile: profile, suffix: "noop.json")))
        try? Data(text.utf8).write(to: URL(fileURLWithPath: path(root: root, profile: profile)))
    }

    /// The stamp's text, or nil when an input changed so recently that a later change could go unseen.
    static func stampText(inputs: Set<String>, outputs: Set<String>, context: String) -> String? {
        var lines = [magic, flatten(context)]
        let now = Date().timeIntervalSince1970
        for path in inputs.sorted() {
            var info = stat()
            if stat(path, &info) == 0,
                now - (Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9) < 0.01
            {
                return nil
            }
            lines.append(signature(path) + " " + path)
        }
        for path in outputs.sorted() { lines.append(signature(path) + " " + path) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Removes the stamp, so that the next build checks everything.
    static func remove(root: String, profile: BuildProfile) {
        for suffix in ["stamp", "noop.json", "noop.txt"] {
            try? FileManager.default.removeItem(atPath: path(root: root, profile: profile, suffix: suffix))
        }
    }

    /// One line. (Not replacingOccurrences: bridging to NSString was a visible share of a no-op build.)
    private static func flatten(_ context: String) -> String {
        context.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\t")
    }

    /// The bytes of a small file, read with open(2) and read(2): Foundation's reader costs more than the
    /// whole stamp check.
    public static func readFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                bytes.append(contentsOf: buffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return count == 0 ? bytes : nil
            }
        }
    }
}

extension BuildReport {
    /// What a build with nothing to do reports: the same outputs and size, no steps, no processes.
    public var asUpToDate: BuildReport {
        var report = self
        report.compiled = []
        report.linked = false
        report.spawned = 0
        report.commands = []
        report.warnings = ""
        report.seconds = 0
        return report
    }
}
