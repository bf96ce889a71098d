import AtelierTestSupport
import BoardCatalog
import Build
import Foundation
import Scaffold
import Testing

/// Every ARM board builds blinky in C, C++ and Swift; uno and longan-nano build it in C.
struct BlinkyBuildTests {
    struct Case: CustomStringConvertible, Sendable {
        var board: String
        var language: Language
        var description: String { "\(board) \(language.rawValue)" }
    }

    static let cases: [Case] = TestSupport.catalog.boards.flatMap { board in
        Language.supported(by: board).map { Case(board: board.id, language: $0) }
    }

    @Test func coversEveryBoard() {
        let arm = TestSupport.catalog.boards.filter { $0.core.architecture == .arm }
        #expect(Self.cases.count == arm.count * 3 + 2)
        #expect(Self.cases.contains { $0.board == "uno" && $0.language == .c })
        #expect(Self.cases.contains { $0.board == "longan-nano" && $0.language == .c })
    }

    @Test(arguments: cases)
    func blinkyBuilds(_ testCase: Case) throws {
        let (root, builder) = try TestSupport.project(testCase.board, testCase.language, .blinky)
        defer { TestSupport.remove(root) }
        let report = try builder.build(BuildOptions(jobs: 2))
        for output in ["elf", "bin", "hex", "map"] {
            #expect(FileManager.default.fileExists(atPath: root + "/" + (report.outputs[output] ?? "")))
        }
        #expect(FileManager.default.fileExists(atPath: root + "/compile_commands.json"))
        let uf2 = report.outputs["uf2"].map { FileManager.default.fileExists(atPath: root + "/" + $0) } ?? false
        #expect(uf2 == (builder.board.chip.uf2FamilyID != nil), "UF2 exactly when the chip has a family id")
        let flash = try #require(report.size.regions.first { $0.kind == "flash" })
        #expect(flash.used > 0 && flash.used < flash.capacity)
    }
}
