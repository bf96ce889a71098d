import BoardCatalog
import Foundation
import Testing

@Suite struct BoardsCommandTests {
    struct RegionJSON: Decodable {
        var name: String
        var kind: String
        var start: UInt64
        var size: UInt64
    }

    struct BoardJSON: Decodable {
        var id: String
        var chip: String
        var core: String
        var memory: [RegionJSON]
        var qemu: String?
        var probes: [String]
    }

    @Test func listJSONCarriesNumericAddresses() throws {
        let result = try CLIRunner.atelier("boards", "list", "--json")
        #expect(result.exitCode == 0)
        let boards = try JSONDecoder().decode([BoardJSON].self, from: Data(result.stdout.utf8))
        let discovery = try #require(boards.first { $0.id == "stm32f4-discovery" })
        #expect(discovery.chip == "stm32f407vg")
        #expect(discovery.core == "cortex-m4f")
        #expect(discovery.memory.first { $0.name == "flash" }.map { ($0.start, $0.size) } ?? (0, 0) == (0x0800_0000, 1 << 20))
        #expect(boards.first { $0.id == "netduinoplus2" }?.qemu == "netduinoplus2")
        #expect(boards.count >= 14)
    }

    @Test func listFiltersByCore() throws {
        let result = try CLIRunner.atelier("boards", "list", "--json", "--core", "cortex-m3")
        let boards = try JSONDecoder().decode([BoardJSON].self, from: Data(result.stdout.utf8))
        #expect(!boards.isEmpty)
        #expect(boards.allSatisfy { $0.core == "cortex-m3" })
    }

    @Test func showUnknownBoardExitsTwoWithSuggestion() throws {
        let result = try CLIRunner.atelier("boards", "show", "blupill")
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("unknown board 'blupill'; did you mean 'bluepill'?"))
    }

    @Test func checkAcceptsTheBuiltInCatalog() throws {
        let result = try CLIRunner.atelier("boards", "check", CLIRunner.packageRoot.appendingPathComponent("Boards").path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("ok: "))
    }

    @Test func checkReportsABrokenFileWithItsLine() throws {
        let folder = try CLIRunner.temporaryDirectory()
        let file = folder.appendingPathComponent("broken.yaml")
        try "id: broken\nchip: stm32f103x8\nclock_hz: fast\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try CLIRunner.atelier("boards", "check", folder.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("\(file.path):3: 'clock_hz' has bad size 'fast'"))
    }

    @Test func projectBoardsFolderIsLoaded() throws {
        let project = try CLIRunner.temporaryDirectory()
        try FileManager.default.createDirectory(at: project.appendingPathComponent("boards"), withIntermediateDirectories: true)
        try "id: my-board\nname: Mine\nchip: stm32f103x8\n"
            .write(to: project.appendingPathComponent("boards/my-board.yaml"), atomically: true, encoding: .utf8)
        let result = try CLIRunner.atelier("boards", "show", "my-board", "--json", in: project)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"chip\" : \"stm32f103x8\""))
    }

    @Test func usageErrorsExitTwo() throws {
        let result = try CLIRunner.atelier("boards", "list", "--no-such-flag")
        #expect(result.exitCode == 2)
    }

    @Test func readmeBoardsTableIsCurrent() throws {
        let readme = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let catalog = try BoardCatalog.load(folders: [CLIRunner.packageRoot.appendingPathComponent("Boards").path])
        #expect(catalog.readme(updating: readme) == readme, "README.md's boards table is stale: run 'make boards-table'")
    }
}
