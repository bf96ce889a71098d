import AtelierTestSupport
import Foundation
import Testing

/// A few runs of the real `atelier` binary, for exit codes and what the user sees.
struct CLITests {
    @Test func newRefusesAnUnknownBoardWithSuggestions() throws {
        let folder = try TestSupport.temporaryFolder("cli-unknown", suite: "build-tests")
        let result = try TestSupport.atelier(["new", "p", "--board", "netduinoplus"], in: folder)
        #expect(result.status == 2)
        #expect(result.output.contains("did you mean 'netduinoplus2'"))
    }

    @Test func newRefusesANonEmptyFolder() throws {
        let folder = try TestSupport.temporaryFolder("cli-nonempty", suite: "build-tests")
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/keep.txt"))
        let result = try TestSupport.atelier(["new", folder, "--board", "microbit"], in: folder)
        #expect(result.status == 2)
        #expect(result.output.contains("--force"))
    }

    @Test func helloRunsUnderQEMUAndOverflowExitsTwo() throws {
        let folder = try TestSupport.temporaryFolder("cli-run", suite: "build-tests")
        let project = folder + "/hello"
        #expect(try TestSupport.atelier(["new", project, "--board", "lm3s6965evb", "--lang", "c"], in: folder)
            .status == 0)
        let run = try TestSupport.atelier(["run", "--qemu", "--expect", "Hello from lm3s6965evb", "--timeout", "20"],
                                          in: project)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("Hello from lm3s6965evb"))

        let noOp = try TestSupport.atelier(["build", "--json"], in: project)
        #expect(noOp.output.contains("\"spawned\" : 0"))

        try "const unsigned char big[300 * 1024] = {1};\nint main(void) { volatile int i = 1; return big[i]; }\n"
            .write(toFile: project + "/src/main.c", atomically: true, encoding: .utf8)
        let overflow = try TestSupport.atelier(["build"], in: project)
        #expect(overflow.status == 2)
        #expect(overflow.output.contains("region 'flash'"))
        #expect(overflow.output.contains("overflowed by"))
    }

    /// The CLI's no-op path (BuildStamp) must notice edits, new files and board changes, and nothing else.
    @Test func noOpPathNoticesEveryChange() throws {
        let folder = try TestSupport.temporaryFolder("cli-stamp", suite: "build-tests")
        let project = folder + "/p"
        #expect(try TestSupport.atelier(["new", project, "--board", "microbit"], in: folder).status == 0)
        func build() throws -> [String: Any] {
            let result = try TestSupport.atelier(["build", "--json"], in: project)
            #expect(result.status == 0, "\(result.output)")
            let start = result.output.firstIndex(of: "{") ?? result.output.startIndex
            let object = try JSONSerialization.jsonObject(with: Data(result.output[start...].utf8))
            return object as? [String: Any] ?? [:]
        }
        _ = try build()
        #expect(try build()["spawned"] as? Int == 0)

        let header = project + "/board/atelier.h"
        try (String(contentsOfFile: header, encoding: .utf8) + "/* edit */\n")
            .write(toFile: header, atomically: true, encoding: .utf8)
        let dependents = ["board/atelier_console.c", "board/atelier_led.c", "src/main.c"]
        #expect(try build()["compiled"] as? [String] == dependents)

        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: header)
        #expect(try build()["spawned"] as? Int == 0, "same content: nothing compiles")

        try "int extra(void) { return 2; }\n".write(toFile: project + "/src/extra.c", atomically: true,
                                                   encoding: .utf8)
        #expect(try build()["compiled"] as? [String] == ["src/extra.c"])
        #expect(try build()["spawned"] as? Int == 0)
    }

    @Test func runTimesOutWithThreeAndFailsWithOne() throws {
        let folder = try TestSupport.temporaryFolder("cli-timeout", suite: "build-tests")
        let blinky = folder + "/blinky"
        #expect(try TestSupport.atelier(["new", blinky, "--board", "mps2-an386", "--template", "blinky"], in: folder)
            .status == 0)
        let silent = try TestSupport.atelier(["run", "--qemu", "--expect", "never printed", "--timeout", "2"],
                                             in: blinky)
        #expect(silent.status == 3, "\(silent.output)")
        #expect(silent.output.contains("no verdict within 2s"))

        let hello = folder + "/hello"
        #expect(try TestSupport.atelier(["new", hello, "--board", "mps2-an386"], in: folder).status == 0)
        let failed = try TestSupport.atelier(["run", "--qemu", "--fail", "Hello", "--timeout", "20"], in: hello)
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output.contains("matched --fail"))
    }

    @Test func runOnABoardWithoutQEMUExitsTwo() throws {
        let folder = try TestSupport.temporaryFolder("cli-noqemu", suite: "build-tests")
        let project = folder + "/p"
        #expect(try TestSupport.atelier(["new", project, "--board", "bluepill"], in: folder).status == 0)
        let run = try TestSupport.atelier(["run", "--qemu"], in: project)
        #expect(run.status == 2)
        #expect(run.output.contains("has no QEMU machine"))
    }
}
