import ArgumentParser
import Foundation
import Scaffold

extension Atelier {
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a firmware project for a board.",
            discussion: "Writes atelier.yaml, src/, board/ (linker script and startup generated from the board's "
                + "memory map), README.md, .gitignore and a CI workflow into DIR.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The folder to create (must be empty unless --force).") var directory: String
        @Option(help: "The board id, e.g. nucleo-f401re (see 'atelier boards list').") var board: String
        @Option(help: "c, cpp or swift (Embedded Swift).") var lang: Language = .c
        @Option(help: "blinky, hello, unit-test or provisioned (c, swift).") var template: ProjectTemplate = .hello
        @Flag(help: "Write into a folder that already holds files, replacing files of the same name.")
        var force = false

        func run() throws {
            let board = try global.catalog().board(board)
            let generator = ProjectGenerator(templatesFolder: try global.resources().templatesFolder)
            let name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
            let files = try generator.plan(ProjectRequest(board: board, language: lang, template: template, name: name))
            try generator.write(files, to: directory, force: force)
            print("Created \(directory): \(template.rawValue) in \(lang.rawValue) for \(board.id) "
                + "(\(files.count) files)")
            print("Next: cd \(directory) && atelier build"
                + (board.qemu != nil ? " && atelier run --qemu" : ""))
        }
    }
}

extension Language: ExpressibleByArgument {}
extension ProjectTemplate: ExpressibleByArgument {}
