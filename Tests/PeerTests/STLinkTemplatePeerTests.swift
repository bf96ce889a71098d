import Foundation
import Testing

/// The "done when": firmware from atelier's own templates, built by `atelier build`, flashed by st-flash
/// and by OpenOCD into the rig, runs on the emulated core. Runs once `atelier new` and `atelier build` exist in
/// the build under test (the Scaffold and Build modules).
@Suite(.serialized) final class STLinkTemplatePeerTests {
    let folder: URL

    init() throws {
        try RigProcess.requireTool("st-flash", package: "stlink-tools")
        try RigProcess.requireTool("openocd", package: "openocd")
        folder = try RigProcess.temporaryFolder()
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Scaffolds and builds `template` in C for `board`; returns the build folder with firmware.elf and .bin.
    private func build(_ template: String, board: String) throws -> URL {
        let name = "\(template)-\(board)"
        let created = try AtelierCLI.run(["new", name, "--board", board, "--template", template, "--lang", "c"],
                                         in: folder)
        #expect(created.status == 0, "\(created.output)")
        let project = folder.appendingPathComponent(name)
        let built = try AtelierCLI.run(["build"], in: project)
        #expect(built.status == 0, "\(built.output)")
        return project.appendingPathComponent(".atelier/build/\(board)/debug")
    }

    private func rig(_ device: String, runFor: Double, _ command: [String]) throws -> RigProcess.Result {
        try RigProcess.run(["exec", "--time-scale", "0", "--device", device, "--run-for", String(runFor), "--"]
                           + command, in: folder, timeout: 90)
    }

    private func openOCD(_ target: String, program elf: URL) -> [String] {
        ["openocd", "-f", "interface/stlink.cfg", "-f", "target/\(target).cfg", "-c", "gdb_port disabled",
         "-c", "tcl_port disabled", "-c", "telnet_port disabled", "-c", "program \(elf.path) verify reset exit"]
    }

    @Test func templateBlinkyRunsAfterStFlashAndAfterOpenOCD() throws {
        let output = try build("blinky", board: "bluepill")
        let bin = output.appendingPathComponent("firmware.bin").path
        // The blinky's delay loop is real emulated work: a loaded machine needs a few seconds for one toggle.
        let flashed = try rig("stlink:bluepill", runFor: 4, ["st-flash", "--reset", "write", bin, "0x8000000"])
        #expect(flashed.status == 0, "\(flashed.output)")
        #expect(flashed.stderr.contains("led user PC13 on\n") && flashed.stderr.contains("led user PC13 off\n"),
                "\(flashed.output)")
        let programmed = try rig("stlink:bluepill", runFor: 4,
                                 openOCD("stm32f1x", program: output.appendingPathComponent("firmware.elf")))
        #expect(programmed.status == 0, "\(programmed.output)")
        #expect(programmed.stderr.contains("led user PC13 on\n"), "\(programmed.output)")
    }

    @Test func templateHelloPrintsOverSemihostingAfterReset() throws {
        let f1 = try build("hello", board: "bluepill")
        let programmed = try rig("stlink:bluepill", runFor: 10,
                                 openOCD("stm32f1x", program: f1.appendingPathComponent("firmware.elf")))
        #expect(programmed.status == 0, "\(programmed.output)")
        #expect(programmed.stderr.contains("Hello from bluepill\n"), "\(programmed.output)")
        let f4 = try build("hello", board: "stm32f4-discovery")
        let flashed = try rig("stlink:stm32f4-discovery", runFor: 10,
                              ["st-flash", "--reset", "write", f4.appendingPathComponent("firmware.bin").path,
                               "0x8000000"])
        #expect(flashed.status == 0, "\(flashed.output)")
        #expect(flashed.stderr.contains("Hello from stm32f4-discovery\n"), "\(flashed.output)")
    }
}
