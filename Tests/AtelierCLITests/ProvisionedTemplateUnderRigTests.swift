import Foundation
import Testing

/// The provisioned template end to end on the virtual rig: `atelier new --template provisioned`, built with the
/// real cross-compiler, says its identity block is missing on a blank Blue Pill; provisioned from the project's
/// own batch.yaml, it prints the serial the ledger gave that board.
@Suite(.serialized) struct ProvisionedTemplateUnderRigTests {
    @Test(arguments: ["c", "swift"])
    func aProvisionedBoardPrintsItsOwnSerial(language: String) throws {
        let atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        let rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let project = folder.appendingPathComponent("widget")
        let new = try CLIRunner.run(atelier, ["new", project.path, "--board", "bluepill", "--lang", language,
                                              "--template", "provisioned"])
        try #require(new.exitCode == 0, "\(new.stderr)")
        let build = try CLIRunner.run(atelier, ["build"], directory: project, timeout: 300)
        try #require(build.exitCode == 0, "\(build.stdout)\(build.stderr)")

        func underRig(_ command: [String]) throws -> CLIRunner.Result {
            try CLIRunner.run(rig, ["exec", "--time-scale", "0", "--state", folder.path, "--console",
                                    folder.appendingPathComponent("console.txt").path,
                                    "--device", "stlink:bluepill:serial=PROVISIONEDTEMPLATE00001", "--",
                                    atelier] + command, directory: project, timeout: 300)
        }
        // The whole sentence: the run stops reading as soon as the output matches.
        let blank = try underRig(["run", "--timeout", "30", "--expect", "identity block missing: no 'ATID' magic"])
        #expect(blank.exitCode == 0, "\(blank.stdout)\(blank.stderr)")
        #expect(blank.stdout.contains("identity block missing: no 'ATID' magic"))

        let provision = try underRig(["provision", "batch.yaml", "--station", "t", "--json"])
        try #require(provision.exitCode == 0, "\(provision.stderr)")
        let line = try #require(provision.stdout.split(separator: "\n").last)
        let result = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let serial = try #require(result["serial"] as? String)
        #expect(result["result"] as? String == "committed" && serial.hasPrefix("AT-"))

        let run = try underRig(["run", "--timeout", "30", "--expect", "serial \(serial) on bluepill"])
        #expect(run.exitCode == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("serial \(serial) on bluepill"))
    }
}
