import AtelierTestSupport
import BoardCatalog
import Foundation
import Testing

@testable import Scaffold

struct ProjectGeneratorTests {
    let generator = ProjectGenerator(templatesFolder: TestSupport.resources.templatesFolder)

    @Test(arguments: ["../outside.c", "/etc/passwd", "src/../../x", "", "./a", "a//b"])
    func escapingPathsAreRejected(_ path: String) throws {
        let root = try TestSupport.temporaryFolder("escape", suite: "scaffold-tests")
        #expect(throws: ScaffoldError.self) { try ProjectGenerator.checkedDestination(path, in: root) }
    }

    @Test func symlinkInTheProjectIsRejected() throws {
        let root = try TestSupport.temporaryFolder("symlink", suite: "scaffold-tests")
        let outside = try TestSupport.temporaryFolder("outside", suite: "scaffold-tests")
        try FileManager.default.createSymbolicLink(atPath: root + "/src", withDestinationPath: outside)
        #expect(throws: ScaffoldError.pathEscapes(template: "src/main.c", path: root + "/src")) {
            try ProjectGenerator.checkedDestination("src/main.c", in: root)
        }
        #expect(try ProjectGenerator.checkedDestination("board/x.c", in: root) == root + "/board/x.c")
    }

    @Test func symlinkAmongTheTemplatesIsRejected() throws {
        let templates = try TestSupport.temporaryFolder("templates", suite: "scaffold-tests")
        let manager = FileManager.default
        for folder in ["shared", "board", "hello"] {
            try manager.copyItem(atPath: TestSupport.resources.templatesFolder + "/" + folder,
                                 toPath: templates + "/" + folder)
        }
        try manager.createSymbolicLink(atPath: templates + "/shared/passwd", withDestinationPath: "/etc/passwd")
        let request = ProjectRequest(board: try TestSupport.board("netduinoplus2"), name: "p")
        #expect(throws: ScaffoldError.self) { try ProjectGenerator(templatesFolder: templates).plan(request) }
    }

    @Test func dotNamesAndMustacheSuffixAreMapped() throws {
        #expect(try ProjectGenerator.outputPath(for: "dot-github/workflows/firmware.yml.mustache", template: "t")
            == ".github/workflows/firmware.yml")
        #expect(throws: ScaffoldError.self) { try ProjectGenerator.outputPath(for: "../x.mustache", template: "t") }
    }

    @Test func nonEmptyFolderNeedsForce() throws {
        let root = try TestSupport.temporaryFolder("nonempty", suite: "scaffold-tests")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: root + "/notes.txt"))
        let files = try generator.plan(ProjectRequest(board: try TestSupport.board("microbit"), name: "p"))
        #expect(throws: ScaffoldError.directoryNotEmpty(path: root)) {
            try generator.write(files, to: root, force: false)
        }
        try generator.write(files, to: root, force: true)
        #expect(FileManager.default.fileExists(atPath: root + "/atelier.yaml"))
        #expect(FileManager.default.fileExists(atPath: root + "/notes.txt"))
    }

    @Test func projectHasEverythingTheIssueAsksFor() throws {
        let board = try TestSupport.board("netduinoplus2")
        let files = try generator.plan(ProjectRequest(board: board, language: .swift, template: .hello, name: "p"))
        let paths = Set(files.map(\.path))
        for expected in ["atelier.yaml", "README.md", ".gitignore", ".github/workflows/firmware.yml",
                         "src/main.swift", "board/linker.ld", "board/startup.c", "board/atelier.h",
                         "board/atelier_console.c", "board/atelier_swift_support.c"]
        {
            #expect(paths.contains(expected), "missing \(expected)")
        }
        let text = { (path: String) in files.first { $0.path == path }?.contents ?? "" }
        #expect(text("src/main.swift").contains("\"netduinoplus2\""))
        #expect(text("atelier.yaml").contains("board: netduinoplus2"))
        #expect(text("atelier.yaml").contains("language: swift"))
        #expect(text(".github/workflows/firmware.yml").contains("atelier build"))
        #expect(text(".github/workflows/firmware.yml").contains("atelier test"))
        #expect(text("README.md").contains("Netduino Plus 2"))
        // netduinoplus2 is armv7em: no interrupt-masking atomics needed.
        #expect(!text("board/atelier_swift_support.c").contains("__atomic_load_4"))
    }

    @Test func armv6mSwiftGetsAtomics() throws {
        let files = try generator.plan(ProjectRequest(board: try TestSupport.board("microbit"), language: .swift,
                                                      template: .hello, name: "p"))
        let support = files.first { $0.path == "board/atelier_swift_support.c" }?.contents ?? ""
        for symbol in ["__atomic_load_4", "__atomic_store_4", "__atomic_fetch_add_4", "__atomic_fetch_sub_4",
                       "__atomic_compare_exchange_4", "posix_memalign", "cpsid i"]
        {
            #expect(support.contains(symbol), "missing \(symbol)")
        }
    }

    @Test func picoReadmeNotesTheBoot2Gap() throws {
        let files = try generator.plan(ProjectRequest(board: try TestSupport.board("pico"), name: "p"))
        #expect(files.first { $0.path == "README.md" }?.contents.contains("boot2") == true)
        #expect(files.first { $0.path == "board/linker.ld" }?.contents.contains("ORIGIN = 0x10000000") == true)
    }

    /// The firmware and the batch file it ships name the same block address: the board's last flash sector.
    @Test(arguments: [("bluepill", "0x0800FC00", "1024"), ("stm32f4-discovery", "0x080E0000", "131072")])
    func theProvisionedTemplateReadsTheBlockWhereTheBatchPutsIt(board: String, address: String, limit: String)
        throws
    {
        for language in [Language.c, .swift] {
            let files = try generator.plan(ProjectRequest(board: try TestSupport.board(board), language: language,
                                                          template: .provisioned, name: "widget"))
            let batch = try #require(files.first { $0.path == "batch.yaml" }).contents
            #expect(batch.contains("address: \(address) ") && batch.contains("board: \(board)\n"))
            let readerPath = language == .c ? "src/identity.h" : "src/Identity.swift"
            let reader = try #require(files.first { $0.path == readerPath })
            #expect(reader.contents.contains(address) && reader.contents.contains(limit))
        }
        #expect(throws: ScaffoldError.self) {
            try generator.plan(ProjectRequest(board: try TestSupport.board(board), language: .cpp,
                                              template: .provisioned, name: "widget"))
        }
    }

    @Test func swiftOnAVRIsRefused() throws {
        let request = ProjectRequest(board: try TestSupport.board("uno"), language: .swift, name: "p")
        #expect(throws: ScaffoldError.unsupportedLanguage(board: "uno", language: "swift", supported: ["c"])) {
            try generator.plan(request)
        }
    }

    @Test(arguments: ["PC13", "P0.13", "GP25", "FPGAIO.LED0", "PB5", "PF0"])
    func ledPinsParse(_ name: String) {
        let pin = LEDPin(name)
        let expected: [String: (Int, Int)] = ["PC13": (2, 13), "P0.13": (0, 13), "GP25": (0, 25),
                                              "FPGAIO.LED0": (0, 0), "PB5": (1, 5), "PF0": (5, 0)]
        #expect(pin.port == expected[name]?.0)
        #expect(pin.number == expected[name]?.1)
    }
}
