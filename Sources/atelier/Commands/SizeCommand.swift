import ArgumentParser
import Build
import Foundation

extension Atelier {
    struct Size: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Used and free bytes per memory region (builds first when needed).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var project: ProjectOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let report = try project.build(global)
            if json { return try JSONOutput.print(report.size) }
            print(report.size.text)
        }
    }
}
