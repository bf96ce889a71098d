import ArgumentParser
import BoardCatalog
import Foundation

extension Atelier {
    struct Boards: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, show and check board definitions.",
            discussion: "Boards live in Boards/*.yaml and their chips in Boards/chips/*.yaml (DESIGN.md section 4).",
            subcommands: [List.self, Show.self, Check.self],
            defaultSubcommand: List.self
        )
    }
}

extension Atelier.Boards {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the known boards.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only boards with this core, e.g. cortex-m4.") var core: String?
        @Option(help: "Only boards whose chip vendor contains this text, e.g. st.") var vendor: String?
        @Flag(help: "Print JSON instead of a table.") var json = false
        @Flag(help: "Print the Markdown table the README carries.") var markdown = false
        @Option(help: ArgumentHelp("Rewrite the boards table between the markers in this README.", valueName: "file"))
        var updateReadme: String?

        func run() throws {
            let catalog = try global.catalog()
            if let updateReadme { return try rewrite(readme: updateReadme, catalog: catalog) }
            if markdown { return print(catalog.markdownTable) }
            let boards = catalog.boards.filter { board in
                (core.map { board.core.rawValue == $0 } ?? true)
                    && (vendor.map { board.vendor.lowercased().contains($0.lowercased()) } ?? true)
            }
            if json { return try JSONOutput.print(boards.map(BoardSummary.init)) }
            let rows = boards.map { board in
                [board.id, board.name, board.core.rawValue, flashText(board), ramText(board), board.probes.joined(separator: ",")]
            }
            print(Table(headers: ["ID", "NAME", "CORE", "FLASH", "RAM", "PROBES"], rows: rows).rendered)
        }

        private func rewrite(readme path: String, catalog: BoardCatalog) throws {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CommandFailure(message: "cannot read \(path)", hint: nil, exitCode: .badInput)
            }
            guard let updated = catalog.readme(updating: text) else {
                throw CommandFailure(message: "\(path) has no boards table markers",
                                     hint: "add the lines \(BoardCatalog.readmeTableBegin) and \(BoardCatalog.readmeTableEnd)",
                                     exitCode: .badInput)
            }
            try updated.write(toFile: path, atomically: true, encoding: .utf8)
        }

        private func flashText(_ board: Board) -> String { board.chip.flash.map { ByteSize.format($0.size) } ?? "-" }
        private func ramText(_ board: Board) -> String { board.chip.ram.map { ByteSize.format($0.size) } ?? "-" }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one board: chip, memory map, probes.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The board id, e.g. bluepill.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let board = try global.catalog().board(id)
            if json { return try JSONOutput.print(BoardSummary(board)) }
            print("\(board.id): \(board.name)")
            print("  chip     \(board.chip.id) (\(board.core.rawValue), \(board.vendor))")
            if let clock = board.clockHz { print("  clock    \(clock / 1_000_000) MHz") }
            print("  console  \(board.console.kind.rawValue)")
            print("  probes   \(board.probes.isEmpty ? "-" : board.probes.joined(separator: ", "))")
            print("  qemu     \(board.qemu ?? "-")")
            if let family = board.chip.uf2FamilyID { print("  uf2      family \(hex(UInt64(family)))") }
            print("  memory")
            for region in board.memory {
                let sectors = region.sectors.map { "\($0.count) x \(ByteSize.format($0.size))" }.joined(separator: ", ")
                let range = hexRange(region.start..<region.end)
                print("    \(region.name.padding(9)) \(region.kind.rawValue.padding(6)) \(range)  "
                    + "\(ByteSize.format(region.size).padding(6))\(sectors.isEmpty ? "" : " sectors \(sectors)")")
            }
            print("  source   \(board.source.file)")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate board and chip files; exits 2 with file:line on the first problem.",
            discussion: "With no PATH, checks every folder atelier would load. A PATH may be a folder or one file."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Folders or files to check, on top of the built-in chips.") var paths: [String] = []

        func run() throws {
            let resources = try global.resources()
            var folders = resources.catalogFolders(extra: global.boardsPaths,
                                                   projectDirectory: FileManager.default.currentDirectoryPath)
            let builtin = URL(fileURLWithPath: resources.boardsFolder).standardizedFileURL.resolvingSymlinksInPath().path
            for path in paths {
                let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
                if resolved != builtin && !folders.contains(path) { folders.append(path) }
            }
            let catalog = try BoardCatalog.load(folders: folders)
            print("ok: \(catalog.boards.count) boards, \(catalog.chips.count) chips in \(folders.joined(separator: ", "))")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
