import Foundation
import Testing

/// Every entry of docs/errors.md, produced for real: the command runs, and its stderr and exit code are checked
/// against what the catalogue promises. A second test keeps the catalogue and this list the same.
@Suite struct ErrorCatalogueTests {
    struct Entry: Sendable, CustomTestStringConvertible {
        var title: String
        var exitCode: Int32
        /// The part of the message the catalogue quotes; the rest may name paths of the run.
        var message: String
        var run: @Sendable (URL) throws -> CLIRunner.Result

        var testDescription: String { title }
    }

    static func file(_ folder: URL, _ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func rig(_ folder: URL, _ devices: [String], _ arguments: [String]) throws -> CLIRunner.Result {
        let rig = try #require(CLIRunner.locate("atelier-rig"))
        let atelier = try #require(CLIRunner.locate("atelier"))
        let image = try file(folder, "fw.bin", String(repeating: "\u{1}", count: 8192))
        var command = ["exec", "--time-scale", "0"]
        for device in devices { command += ["--device", device] }
        return try CLIRunner.run(rig, command + ["--", atelier, "flash", image, "--base", "0x08000000"] + arguments)
    }

    static let entries: [Entry] = [
        Entry(title: "Unknown board", exitCode: 2, message: "unknown board 'blupill'; did you mean 'bluepill'?") { _ in
            try CLIRunner.atelier("boards", "show", "blupill")
        },
        Entry(title: "Invalid board file", exitCode: 2, message: "broken.yaml:3: 'clock_hz' has bad size 'fast'") { dir in
            _ = try file(dir, "boards/broken.yaml", "id: broken\nchip: stm32f103x8\nclock_hz: fast\n")
            return try CLIRunner.atelier("boards", "check", dir.appendingPathComponent("boards").path)
        },
        Entry(title: "Corrupt Intel HEX line", exitCode: 2,
              message: "bad.hex:1: checksum is 0x00 but the record's bytes need 0x78") { dir in
            let path = try file(dir, "bad.hex", ":10000000000102030405060708090A0B0C0D0E0F00\n:00000001FF\n")
            return try CLIRunner.atelier("image", "info", path)
        },
        Entry(title: "Overlapping segments", exitCode: 2,
              message: "segments 0x00000000..0x00000003 (4 bytes) and 0x00000002..0x00000005 (4 bytes) overlap") { dir in
            let path = try file(dir, "overlap.hex", ":0400000001020304F2\n:0400020005060708E0\n:00000001FF\n")
            return try CLIRunner.atelier("image", "info", path)
        },
        Entry(title: "Truncated ELF", exitCode: 2,
              message: "runs past the end of the file (60 bytes); the file is truncated or corrupt") { dir in
            var header = [UInt8](repeating: 0, count: 60)
            header.replaceSubrange(0..<7, with: [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1])
            header[16] = 2  // ET_EXEC
            header[28] = 0x34  // program headers at 52, past the 60-byte file with 2 entries
            header[42] = 32
            header[44] = 2
            let url = dir.appendingPathComponent("truncated.elf")
            try Data(header).write(to: url)
            return try CLIRunner.atelier("image", "info", url.path)
        },
        Entry(title: "Image outside the board's flash", exitCode: 2,
              message: "16 image bytes at 0x08100000..0x0810000F lie outside the board's flash; the nearest region is "
                + "'flash' at 0x08000000..0x080FFFFF. Nothing was written") { dir in
            let path = try file(dir, "fw.bin", String(repeating: "A", count: 16))
            return try CLIRunner.atelier("flash", path, "--base", "0x08100000", "--board", "stm32f4-discovery")
        },
        Entry(title: "Project folder not empty", exitCode: 2,
              message: "is not empty; choose an empty folder or pass --force to write over the files there") { dir in
            _ = try file(dir, "p/keep.txt", "mine")
            return try CLIRunner.atelier("new", dir.appendingPathComponent("p").path, "--board", "bluepill")
        },
        Entry(title: "Missing toolchain", exitCode: 3,
              message: "xtensa-esp32-elf-gcc is not installed; install the Debian package gcc-xtensa-esp32-elf") { dir in
            let chip = """
                id: xchip
                core: cortex-m4
                memory:
                  - { name: flash, kind: flash, start: 0x0, size: 4K, sectors: [{ size: 1K, count: 4 }] }
                  - { name: ram, kind: ram, start: 0x20000000, size: 4K }
                compiler: { toolchain: xtensa-esp32-elf, flags: [] }
                """
            let boards = dir.appendingPathComponent("boards").path
            _ = try file(dir, "boards/chips/xchip.yaml", chip)
            _ = try file(dir, "boards/xboard.yaml", "id: xboard\nchip: xchip\n")
            let project = dir.appendingPathComponent("app")
            _ = try CLIRunner.atelier("new", project.path, "--board", "xboard", "--boards-path", boards)
            return try CLIRunner.atelier("build", "--boards-path", boards, in: project)
        },
        Entry(title: "No probe attached", exitCode: 3, message: "no probe found of kind") { dir in
            let path = try file(dir, "fw.bin", "firmware")
            return try CLIRunner.atelier("flash", path, "--base", "0x08000000", "--board", "stm32f4-discovery")
        },
        Entry(title: "Ambiguous probe", exitCode: 2, message: "2 probes are attached, refusing to guess") { dir in
            try rig(dir, ["dfuse:stm32f4-discovery:serial=S", "dfuse:stm32f4-discovery:serial=S"],
                    ["--board", "stm32f4-discovery"])
        },
        Entry(title: "Wrong chip", exitCode: 2, message: "the device is not a nucleo-f401re") { dir in
            try rig(dir, ["dfuse:stm32f4-discovery"], ["--board", "nucleo-f401re"])
        },
        Entry(title: "Probe unplugged while flashing", exitCode: 3,
              message: "the device disappeared during program at 0x08000800") { dir in
            try rig(dir, ["dfuse:stm32f4-discovery:fault=unplug-after=20K"], ["--board", "stm32f4-discovery"])
        },
        Entry(title: "Verify mismatch", exitCode: 1,
              message: "verify failed at 0x08000010: the image has 0x01 but the device holds 0x00") { dir in
            try rig(dir, ["dfuse:stm32f4-discovery:fault=bitflip-readback=0x08000010"], ["--board", "stm32f4-discovery"])
        },
    ]

    @Test(arguments: entries)
    func theCommandGivesTheCataloguedMessageAndExitCode(_ entry: Entry) throws {
        let result = try entry.run(try CLIRunner.temporaryDirectory())
        #expect(result.exitCode == entry.exitCode, "\(result.stderr)")
        #expect(result.stderr.contains(entry.message), "\(result.stderr)")
        #expect(!result.stdout.contains("flashed"), "a failure must never report success")
    }

    @Test func docsErrorsListsEveryEntryWithItsMessageAndCode() throws {
        let catalogue = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("docs/errors.md"),
                                   encoding: .utf8)
        for entry in Self.entries {
            let row = catalogue.split(separator: "\n").first { $0.hasPrefix("| \(entry.title) |") }
            #expect(row?.contains(entry.message) == true, "docs/errors.md lacks the message of '\(entry.title)'")
            #expect(row?.hasSuffix("| \(entry.exitCode) |") == true, "docs/errors.md gives '\(entry.title)' another code")
        }
    }
}
