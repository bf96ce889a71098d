import Foundation
import Testing

/// The developer's loop on the virtual rig: `atelier new` a template, `atelier run` in the project builds it,
/// flashes it over the emulated ST-Link and judges what it prints over semihosting.
@Suite(.serialized) struct RunTemplatesUnderRigTests {
    static let boards = [("bluepill", "stlink:bluepill"), ("stm32f4-discovery", "stlink-v21:stm32f4-discovery")]

    func runInProject(board: String, device: String, language: String, template: String, _ extra: [String])
        throws -> CLIRunner.Result
    {
        let atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        let rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let project = folder.appendingPathComponent("p")
        let new = try CLIRunner.run(atelier, ["new", project.path, "--board", board, "--lang", language,
                                              "--template", template], directory: folder)
        try #require(new.exitCode == 0, "\(new.stderr)")
        return try CLIRunner.run(rig, ["exec", "--time-scale", "0", "--state", folder.path, "--console",
                                       folder.appendingPathComponent("console.txt").path, "--device", device, "--",
                                       atelier, "run", "--timeout", "30"] + extra, directory: project, timeout: 300)
    }

    @Test(arguments: ["c", "cpp", "swift"])
    func helloPassesOnBothBoards(language: String) throws {
        for (board, device) in Self.boards {
            let result = try runInProject(board: board, device: device, language: language, template: "hello",
                                          ["--expect", "Hello from \(board)"])
            #expect(result.exitCode == 0, "\(board) \(language): \(result.stderr)")
            #expect(result.stdout.contains("Hello from \(board)"))
        }
    }

    @Test func theUnitTestTemplatePassesItsOwnSummary() throws {
        let result = try runInProject(board: "bluepill", device: "stlink:bluepill", language: "c",
                                      template: "unit-test", [])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("unit-test: 5 passed, 0 failed"))
    }
}
