import Foundation

/// The size and modification time of every file and folder a successful build read, with its report.
///
/// `atelier build` checks the stamp before it loads the board catalog or parses any YAML: when every
/// recorded path still has the same size and time (and the context, such as PATH and the catalog folders,
/// is the same), nothing can have changed and the stored report is the answer. Any difference falls through
/// to the full build, where content hashes decide what to compile, so the stamp can only save work, never
/// skip a needed step: a file touched without a change still compiles nothing.
public struct BuildStamp: Codable, Sendable {
    /// Path (absolute) to [size, seconds, nanoseconds]; [-1] for a path that did not exist.
    var entries: [String: [Int64]]
    var context: String
    var report: BuildReport

    static func path(root: String, profile: BuildProfile) -> String {
        (root as NSString).appendingPathComponent(".atelier/build/\(profile.rawValue).stamp.json")
    }

    static func signature(_ path: String) -> [Int64] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [-1] }
        return [Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec)]
    }

    /// The stored report when nothing recorded has changed, with `seconds` set to the time this check took.
    public static func upToDateReport(root: String, profile: BuildProfile, context: String) -> BuildReport? {
        let started = Date()
        guard let data = FileManager.default.contents(atPath: path(root: root, profile: profile)),
            let stamp = try? JSONDecoder().decode(BuildStamp.self, from: data), stamp.context == context
        else { return nil }
        for (path, recorded) in stamp.entries where signature(path) != recorded { return nil }
        var report = stamp.report
        report.compiled = []
        report.linked = false
        report.spawned = 0
        report.commands = []
        report.warnings = ""
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Records `inputs` and `outputs` after a successful build. An input written within the last few
    /// milliseconds could change again within the same clock tick, unseen; then no stamp is written and the
    /// next build takes the full path. (The build's own outputs are not edited behind its back.)
    static func write(inputs: Set<String>, outputs: Set<String>, context: String, report: BuildReport, root: String,
                      profile: BuildProfile)
    {
        var entries: [String: [Int64]] = [:]
        let now = Date().timeIntervalSince1970
        for path in inputs {
            let signature = signature(path)
            if signature.count == 3, now - (Double(signature[1]) + Double(signature[2]) / 1e9) < 0.01 { return }
            entries[path] = signature
        }
        for path in outputs { entries[path] = signature(path) }
        let stamp = BuildStamp(entries: entries, context: context, report: report)
        guard let data = try? JSONEncoder().encode(stamp) else { return }
        try? data.write(to: URL(fileURLWithPath: path(root: root, profile: profile)))
    }

    /// Removes the stamp, so that the next build checks everything.
    static func remove(root: String, profile: BuildProfile) {
        try? FileManager.default.removeItem(atPath: path(root: root, profile: profile))
    }
}
