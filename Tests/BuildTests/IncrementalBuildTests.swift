import AtelierTestSupport
import BoardCatalog
import Build
import Foundation
import Scaffold
import Testing

struct IncrementalBuildTests {
    @Test(arguments: [Language.c, .swift])
    func secondBuildSpawnsNothing(_ language: Language) throws {
        let (_, builder) = try TestSupport.project("microbit", language, .hello)
        let first = try builder.build()
        #expect(first.spawned > 0)
        let second = try builder.build()
        #expect(second.spawned == 0)
        #expect(second.compiled.isEmpty)
        #expect(!second.linked)
    }

    @Test func changingOneHeaderRebuildsExactlyItsDependents() throws {
        let (root, builder) = try TestSupport.project("netduinoplus2", .c, .hello)
        try "#define ANSWER 42\n".write(toFile: root + "/src/answer.h", atomically: true, encoding: .utf8)
        try "#include \"answer.h\"\nint answer(void) { return ANSWER; }\n"
            .write(toFile: root + "/src/answer.c", atomically: true, encoding: .utf8)
        try "int other(void) { return 1; }\n".write(toFile: root + "/src/other.c", atomically: true, encoding: .utf8)
        _ = try builder.build()

        try "#define ANSWER 43\n".write(toFile: root + "/src/answer.h", atomically: true, encoding: .utf8)
        let afterHeader = try builder.build()
        #expect(afterHeader.compiled == ["src/answer.c"])
        #expect(afterHeader.linked)

        // atelier.h is included by the console, the LED code and main.c, not by startup.c.
        let header = root + "/board/atelier.h"
        try (String(contentsOfFile: header, encoding: .utf8) + "/* changed */\n")
            .write(toFile: header, atomically: true, encoding: .utf8)
        #expect(try builder.build().compiled == ["board/atelier_console.c", "board/atelier_led.c", "src/main.c"])

        // Same bytes, new time: content decides, so nothing is compiled.
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: root + "/src/other.c")
        #expect(try builder.build().spawned == 0)
    }

    @Test func changedFlagsRebuild() throws {
        let (_, builder) = try TestSupport.project("stm32vldiscovery", .c, .hello)
        _ = try builder.build()
        let release = try builder.build(BuildOptions(profile: .release))
        #expect(release.compiled.count == 4)
        #expect(try builder.build(BuildOptions(profile: .release)).spawned == 0)
        #expect(try builder.build().spawned == 0, "each profile keeps its own state")
    }

    @Test func compilerErrorsKeepFileAndLine() throws {
        let (root, builder) = try TestSupport.project("microbit", .c, .hello)
        try "int main(void) { return missing; }\n".write(toFile: root + "/src/main.c", atomically: true,
                                                         encoding: .utf8)
        let error = #expect(throws: BuildError.self) { try builder.build() }
        guard case .compileFailed(let file, let output) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(file == "src/main.c")
        #expect(output.contains("src/main.c:1:25: error"))
    }

    @Test func flashOverflowNamesTheRegion() throws {
        let (root, builder) = try TestSupport.project("stm32vldiscovery", .c, .hello)
        try "const unsigned char big[200 * 1024] = {1};\nint main(void) { volatile unsigned i = 5; return big[i]; }\n"
            .write(toFile: root + "/src/main.c", atomically: true, encoding: .utf8)
        let error = #expect(throws: BuildError.self) { try builder.build() }
        guard case .regionOverflow(let region, let over, let capacity) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(region == "flash")
        #expect(capacity == 128 * 1024)
        #expect(over > 70 * 1024)
    }
}
