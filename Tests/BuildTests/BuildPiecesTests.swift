import AtelierTestSupport
import BoardCatalog
import Foundation
import Testing

@testable import Build

/// Table tests for the pure pieces of the build: globs, depfiles, manifests, toolchain hints, size accounting.
struct BuildPiecesTests {
    @Test(arguments: [
        ("src/**/*.c", "src/main.c", true),
        ("src/**/*.c", "src/drivers/uart/uart.c", true),
        ("src/**/*.c", "src/main.cpp", false),
        ("board/*.c", "board/startup.c", true),
        ("board/*.c", "board/sub/x.c", false),
        ("src/?.c", "src/a.c", true),
        ("src/?.c", "src/ab.c", false),
        ("**/*.swift", "a/b/c.swift", true),
    ])
    func globMatches(pattern: String, path: String, expected: Bool) {
        #expect(Glob.matches(pattern: pattern, path: path) == expected)
    }

    @Test func depfileListsHeaders() throws {
        let folder = NSTemporaryDirectory() + "atelier-depfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let text = "obj/src/main.c.o: src/main.c board/atelier.h \\\n src/a.h\nboard/atelier.h:\nsrc/a.h:\n"
        try text.write(toFile: folder + "/main.d", atomically: true, encoding: .utf8)
        #expect(Depfile.parse(folder + "/main.d") == ["src/main.c", "board/atelier.h", "src/a.h"])
    }

    @Test func aManifestAboveTheSizeLimitIsRefusedBeforeParsing() {
        let huge = "board: microbit\nsources: [src/*.c]\n#" + String(repeating: "x", count: ProjectManifest.maximumFileSize)
        let error = #expect(throws: BuildError.self) { try ProjectManifest.parse(huge, file: "atelier.yaml") }
        #expect(error?.description.contains("atelier.yaml:1: the file is larger than 1048576 bytes") == true)
    }

    @Test func manifestErrorsNameFileAndLine() throws {
        let folder = NSTemporaryDirectory() + "atelier-manifest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/atelier.yaml"
        try "board: microbit\nlanguage: c\nsources: [src/*.c]\nsourcez: []\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: BuildError.self) { try ProjectManifest.load(file) }
        #expect(error?.description.hasPrefix("\(file):4: unknown key 'sourcez'") == true)

        try "board: microbit\nlanguage: rust\nsources: [src/*.c]\n".write(toFile: file, atomically: true,
                                                                       encoding: .utf8)
        let language = #expect(throws: BuildError.self) { try ProjectManifest.load(file) }
        #expect(language?.description.contains(":2: unknown language 'rust'") == true)
    }

    @Test(arguments: [
        ("arm-none-eabi", "arm-none-eabi-gcc", "gcc-arm-none-eabi"),
        ("avr", "avr-gcc", "gcc-avr"),
        ("riscv64-unknown-elf", "riscv64-unknown-elf-objcopy", "binutils-riscv64-unknown-elf"),
    ])
    func missingToolNamesTheDebianPackage(prefix: String, tool: String, package: String) {
        #expect(Toolchain.debianPackage(for: tool, prefix: prefix) == package)
    }

    @Test func missingCompilerIsReported() {
        #expect(throws: BuildError.toolMissing(tool: "xtensa-lx106-elf-gcc", package: "gcc-xtensa-lx106-elf")) {
            try Toolchain.discover(prefix: "xtensa-lx106-elf", needsCXX: false, needsSwift: false,
                                   environment: ["PATH": "/nonexistent"])
        }
    }

    @Test func sizeChargesDataToFlashAndRAM() throws {
        let board = try TestSupport.board("stm32vldiscovery")
        var elf = ELFFile(segments: [])
        elf.segments = [
            // .text at the start of flash
            .init(virtualAddress: 0x0800_0000, physicalAddress: 0x0800_0000, fileSize: 1000, memorySize: 1000),
            // .data runs in RAM, loads from flash
            .init(virtualAddress: 0x2000_0000, physicalAddress: 0x0800_03E8, fileSize: 100, memorySize: 100),
            // .bss and the stack: RAM only
            .init(virtualAddress: 0x2000_0064, physicalAddress: 0x2000_0064, fileSize: 0, memorySize: 2148),
        ]
        let report = SizeReport(elf: elf, board: board)
        let flash = try #require(report.regions.first { $0.name == "flash" })
        let ram = try #require(report.regions.first { $0.name == "sram" })
        #expect(flash.used == 1100)
        #expect(ram.used == 2248)
        #expect(ram.free == 8 * 1024 - 2248)
        #expect(report.overflowing == nil)
        #expect(!report.regions.contains { $0.name == "system" }, "untouched ROMs are not listed")
    }

    @Test func linkerOverflowMessagesMapToBoardRegions() throws {
        let uno = try TestSupport.board("uno")
        let ld = "ld: firmware.elf section `.text' will not fit in region `text'\n"
            + "ld: region `text' overflowed by 7434 bytes"
        #expect(LinkDiagnostics.error(from: ld, board: uno)
            == .regionOverflow(region: "flash", bytesOver: 7434, capacity: 32 * 1024))
        let arm = try TestSupport.board("microbit")
        #expect(LinkDiagnostics.error(from: "region `ram' overflowed by 12 bytes", board: arm)
            == .regionOverflow(region: "ram", bytesOver: 12, capacity: 16 * 1024))
        #expect(LinkDiagnostics.error(from: "undefined reference to `foo'", board: arm)
            == .linkFailed(output: "undefined reference to `foo'"))
    }
}
