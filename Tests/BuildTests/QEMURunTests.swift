import AtelierTestSupport
import BoardCatalog
import Build
import Foundation
import Scaffold
import Testing

/// The "done when": every board with a QEMU machine runs hello and unit-test in C, C++ and Swift.
struct QEMURunTests {
    struct Case: CustomStringConvertible, Sendable {
        var board: String
        var language: Language
        var template: ProjectTemplate
        var description: String { "\(board) \(language.rawValue) \(template.rawValue)" }
    }

    static let cases: [Case] = TestSupport.catalog.boards.filter { $0.qemu != nil }.flatMap { board in
        Language.supported(by: board).flatMap { language in
            [ProjectTemplate.hello, .unitTest].map { Case(board: board.id, language: language, template: $0) }
        }
    }

    @Test func everyQEMUBoardIsCovered() {
        #expect(Set(Self.cases.map(\.board)) == ["lm3s6965evb", "microbit", "mps2-an386", "netduinoplus2",
                                                 "stm32vldiscovery"])
        #expect(Self.cases.count == 30)
    }

    @Test(arguments: cases)
    func buildsAndRuns(_ testCase: Case) throws {
        let (root, builder) = try TestSupport.project(testCase.board, testCase.language, testCase.template)
        defer { TestSupport.remove(root) }
        let report = try builder.build(BuildOptions(jobs: 2))
        let machine = try #require(builder.board.qemu)
        let expected = testCase.template == .hello ? "Hello from \(testCase.board)" : "unit-test: 5 passed, 0 failed"
        let outcome = try QEMURunner().run(
            elf: root + "/" + (report.outputs["elf"] ?? ""), machine: machine,
            expectations: QEMUExpectations(expect: expected, timeout: 20)) { _ in }
        #expect(outcome == .passed)
    }

    @Test func failedUnitTestSummaryFailsTheRun() throws {
        let (root, builder) = try TestSupport.project("lm3s6965evb", .c, .unitTest)
        defer { TestSupport.remove(root) }
        let main = root + "/src/main.c"
        let source = try String(contentsOfFile: main, encoding: .utf8)
        try source.replacingOccurrences(of: "CHECK(add(2, 3) == 5);", with: "CHECK(add(2, 3) == 6);")
            .write(toFile: main, atomically: true, encoding: .utf8)
        let report = try builder.build()
        let outcome = try QEMURunner().run(
            elf: root + "/" + (report.outputs["elf"] ?? ""), machine: "lm3s6965evb",
            expectations: QEMUExpectations(expect: "unit-test: 5 passed", timeout: 20)) { _ in }
        #expect(outcome == .failed("the unit tests reported 1 failure(s)"))
    }
}
