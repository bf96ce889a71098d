import ArgumentParser
import Build
import Foundation

extension Atelier {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile what changed, link, and report the size per memory region.",
            discussion: "Outputs go to .atelier/build/<board>/<profile>/: firmware.elf, .bin, .hex, .map; "
                + "compile_commands.json goes to the project root.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var project: ProjectOptions
        @Flag(help: "Print the build report as JSON.") var json = false
        @Flag(name: .shortAndLong, help: "Print every command that runs.") var verbose = false

        func run() throws {
            let report = try project.build(global)
            if json { return try JSONOutput.print(report) }
            BuildOutput.print(report, verbose: verbose)
        }
    }
}

/// The text form of a build report, shared by `build` and `run`.
enum BuildOutput {
    static func print(_ report: BuildReport, verbose: Bool) {
        if verbose { for command in report.commands { Swift.print(command) } }
        if !report.warnings.isEmpty {
            FileHandle.standardError.write(Data(report.warnings.utf8))
        }
        Swift.print(text(report), terminator: "")
    }

    /// The summary, the size table and the ELF's path.
    static func text(_ report: BuildReport) -> String {
        let what = report.upToDate ? "up to date" : "compiled \(report.compiled.count), "
            + (report.linked ? "linked" : "link up to date")
        return "\(report.board) \(report.profile.rawValue): \(what) "
            + String(format: "(%.2fs, %d processes)", report.seconds, report.spawned) + "\n"
            + report.size.text + "\n" + "-> \(report.outputs["elf"] ?? "")\n"
    }
}
