import BoardCatalog
import Build
import Foundation

/// Answers `atelier build` when nothing changed, before argument parsing, the board catalog or YAML.
///
/// A no-op build is the most frequent build, and the tools it is compared with (ninja) answer it in a few
/// milliseconds; parsing arguments with reflection and loading the catalog would cost more than the check
/// itself. Only the plain forms are answered here; anything else, or any doubt, goes the normal way.
enum FastPath {
    static func answered(_ arguments: [String]) -> Bool {
        guard arguments.first == "build" else { return false }
        var profile = BuildProfile.debug
        var json = false
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--release": profile = .release
            case "--json": json = true
            case "-v", "--verbose": break
            case "-j", "--jobs":
                index += 1
                guard index < arguments.count, let jobs = Int(arguments[index]), jobs >= 1 else { return false }
            default:
                return false
            }
            index += 1
        }
        // The catalog folders follow from the context (executable, environment) and the project root, whose
        // boards/ folder appearing changes the root's time, which the stamp records.
        guard let cwd = getcwd(nil, 0) else { return false }
        let directory = String(cString: cwd)
        free(cwd)
        guard let root = try? ProjectManifest.findRoot(from: directory),
            BuildStamp.isUpToDate(root: root, profile: profile, context: ProjectOptions.context(boardsPaths: [])),
            var answer = BuildStamp.readFile(
                BuildStamp.path(root: root, profile: profile, suffix: json ? "noop.json" : "noop.txt"))
        else { return false }
        if json { answer.append(UInt8(ascii: "\n")) }
        var offset = 0
        while offset < answer.count {
            let written = answer[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
        return true
    }
}
