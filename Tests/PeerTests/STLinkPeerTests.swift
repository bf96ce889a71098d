import Foundation
import Testing

/// stlink-tools 1.7.0 and OpenOCD 0.12, unmodified, judge the ST-Link model and the emulated chip behind it
/// through `atelier-rig exec` at time-scale 0. Serialized: each test already runs a core, a peer and the rig.
@Suite(.serialized) final class STLinkPeerTests {
    let folder: URL

    init() throws {
        try RigProcess.requireTool("st-flash", package: "stlink-tools")
        try RigProcess.requireTool("openocd", package: "openocd")
        folder = try RigProcess.temporaryFolder()
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    private func rig(_ device: String, state: String? = nil, runFor: Double = 0, console: String? = nil,
                     _ command: [String]) throws -> RigProcess.Result {
        var arguments = ["exec", "--time-scale", "0", "--device", device]
        if let state { arguments += ["--state", folder.appendingPathComponent(state).path] }
        if runFor > 0 { arguments += ["--run-for", String(runFor)] }
        if let console { arguments += ["--console", console] }
        return try RigProcess.run(arguments + ["--"] + command, in: folder, timeout: 90)
    }

    /// OpenOCD with the ST-Link HLA driver and a target config; its servers off, so runs cannot collide.
    private func openOCD(_ target: String, _ commands: [String]) -> [String] {
        ["openocd", "-f", "interface/stlink.cfg", "-f", "target/\(target).cfg", "-c", "gdb_port disabled",
         "-c", "tcl_port disabled", "-c", "telnet_port disabled"] + commands.flatMap { ["-c", $0] }
    }

    private func file(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }

    private func write(_ data: Data, _ name: String) throws { try data.write(to: folder.appendingPathComponent(name)) }

    @Test func stInfoProbeReportsTheBluepillsSTM32F1() throws {
        let result = try rig("stlink:bluepill", ["st-info", "--probe"])
        #expect(result.status == 0, "\(result.output)")
        for line in ["Found 1 stlink programmers", "version:    V2J37S7", "flash:      65536 (pagesize: 1024)",
                     "sram:       20480", "chipid:     0x0410", "descr:      F1xx Medium-density"] {
            #expect(result.stdout.contains(line), "missing '\(line)' in:\n\(result.output)")
        }
        #expect(result.stdout.range(of: "serial:     [0-9A-F]{24}\n", options: .regularExpression) != nil)
    }

    @Test func stFlashWritesAndReadsBackAcrossExecs() throws {
        let firmware = RigProcess.firmware(count: 20_000, seed: 21)
        try write(firmware, "fw.bin")
        let written = try rig("stlink:bluepill", state: "state", ["st-flash", "write", "fw.bin", "0x8000000"])
        #expect(written.status == 0, "\(written.output)")
        #expect(written.output.contains("Flash written and verified! jolly good!"), "\(written.output)")
        let read = try rig("stlink:bluepill", state: "state", ["st-flash", "read", "out.bin", "0x8000000", "65536"])
        #expect(read.status == 0, "\(read.output)")
        let back = try file("out.bin")
        #expect(back.count == 65_536)
        #expect(back.prefix(firmware.count) == firmware)
        #expect(back.dropFirst(firmware.count).allSatisfy { $0 == 0xFF })
    }

    /// OpenOCD's stm32f1x algorithm runs on the emulated core; st-flash reads what it wrote, and OpenOCD's
    /// verify_image accepts what st-flash wrote (and refuses a different image).
    @Test func openOCDAndStFlashAgreeOnTheBluepill() throws {
        let first = RigProcess.firmware(count: 12_000, seed: 5)
        try write(first, "first.raw")
        try PeerFirmware.elf(wrapping: folder.appendingPathComponent("first.raw"), name: "first", in: folder)
        let program = try rig("stlink:bluepill", state: "state",
                              openOCD("stm32f1x", ["debug_level 3", "program first.elf verify reset exit"]))
        #expect(program.status == 0, "\(program.output)")
        #expect(program.stderr.contains("** Verified OK **"), "\(program.output)")
        // The stm32f1x async algorithm and the CRC verify ran in the work area on the emulated core: OpenOCD did
        // not fall back to host-driven half-word writes or to reading the flash back.
        #expect(program.stderr.contains("allocated new working area of 4036 bytes at address 0x2000003c"),
                "\(program.output)")
        #expect(program.stderr.contains("armv7m_wait_algorithm"), "\(program.output)")
        #expect(!program.stderr.contains("falling back"), "\(program.output)")
        let read = try rig("stlink:bluepill", state: "state", ["st-flash", "read", "back.bin", "0x8000000", "12000"])
        #expect(read.status == 0, "\(read.output)")
        #expect(try file("back.bin") == first)

        let second = RigProcess.firmware(count: 9_000, seed: 6)
        try write(second, "second.bin")
        let written = try rig("stlink:bluepill", state: "state", ["st-flash", "write", "second.bin", "0x8000000"])
        #expect(written.status == 0, "\(written.output)")
        let verify = try rig("stlink:bluepill", state: "state",
                             openOCD("stm32f1x", ["init", "reset halt", "verify_image second.bin 0x08000000 bin",
                                                  "exit"]))
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.stderr.contains("verified 9000 bytes"), "\(verify.output)")
        try write(first.prefix(9_000), "other.bin")
        let refused = try rig("stlink:bluepill", state: "state",
                              openOCD("stm32f1x", ["init", "reset halt", "verify_image other.bin 0x08000000 bin",
                                                   "exit"]))
        #expect(refused.status != 0, "\(refused.output)")
    }

    @Test func stm32f4DiscoveryWithStFlashAndOpenOCD() throws {
        // 100 000 bytes cross the F407's four 16 KiB sectors into the 64 KiB one.
        let firmware = RigProcess.firmware(count: 100_000, seed: 44)
        try write(firmware, "fw.bin")
        let board = "stlink:stm32f4-discovery"
        let written = try rig(board, state: "f4", ["st-flash", "write", "fw.bin", "0x8000000"])
        #expect(written.status == 0, "\(written.output)")
        let read = try rig(board, state: "f4", ["st-flash", "read", "out.bin", "0x8000000", "131072"])
        #expect(read.status == 0, "\(read.output)")
        let back = try file("out.bin")
        #expect(back.prefix(firmware.count) == firmware)
        #expect(back.dropFirst(firmware.count).allSatisfy { $0 == 0xFF })
        let verify = try rig(board, state: "f4", openOCD("stm32f4x", ["init", "reset halt",
                                                                      "verify_image fw.bin 0x08000000 bin", "exit"]))
        #expect(verify.stderr.contains("verified 100000 bytes"), "\(verify.output)")

        let image = RigProcess.firmware(count: 40_000, seed: 45)
        try write(image, "image.raw")
        try PeerFirmware.elf(wrapping: folder.appendingPathComponent("image.raw"), name: "image", in: folder)
        let program = try rig(board, state: "f4", openOCD("stm32f4x", ["program image.elf verify reset exit"]))
        #expect(program.status == 0, "\(program.output)")
        #expect(!program.stderr.contains("falling back"), "\(program.output)")
        #expect(program.stderr.contains("** Verified OK **"), "\(program.output)")
        let again = try rig(board, state: "f4", ["st-flash", "read", "again.bin", "0x8000000", "40000"])
        #expect(again.status == 0, "\(again.output)")
        #expect(try file("again.bin") == image)
    }

    /// A blinky flashed by st-flash, then by OpenOCD, runs on the emulated core; its LED shows as events on the
    /// rig's console (stderr by default, a file with --console).
    @Test func blinkyRunsAfterStFlashAndAfterOpenOCD() throws {
        try PeerFirmware.build(PeerFirmware.blinkySource(family: "f1"), name: "blinky", in: folder)
        let flashed = try rig("stlink:bluepill", state: "blinky", runFor: 1,
                              ["st-flash", "--reset", "write", "blinky.bin", "0x8000000"])
        #expect(flashed.status == 0, "\(flashed.output)")
        #expect(flashed.stderr.contains("led user PC13 on\n"), "\(flashed.output)")
        #expect(flashed.stderr.contains("led user PC13 off\n"), "\(flashed.output)")

        let console = folder.appendingPathComponent("console.txt").path
        let programmed = try rig("stlink:bluepill", runFor: 1, console: console,
                                 openOCD("stm32f1x", ["program blinky.elf verify reset exit"]))
        #expect(programmed.status == 0, "\(programmed.output)")
        let events = try String(contentsOfFile: console, encoding: .utf8)
        #expect(events.contains("led user PC13 on\n") && events.contains("led user PC13 off\n"), "\(events)")
        #expect(!programmed.stderr.contains("led user"), "\(programmed.output)")

        try PeerFirmware.build(PeerFirmware.blinkySource(family: "f4"), name: "blinky4", cpu: "cortex-m4", in: folder)
        let f4 = try rig("stlink:stm32f4-discovery", runFor: 1,
                         openOCD("stm32f4x", ["program blinky4.elf verify reset exit"]))
        #expect(f4.status == 0, "\(f4.output)")
        #expect(f4.stderr.contains("led green PD12 on\n"), "\(f4.output)")
    }

    /// A semihosting hello prints after OpenOCD's reset, once OpenOCD has gone; and at the next power-on with
    /// no debugger at all, from the flash kept in --state.
    @Test func semihostingHelloPrintsOnTheRigsConsole() throws {
        try PeerFirmware.build(PeerFirmware.helloSource, name: "hello", in: folder)
        let programmed = try rig("stlink:bluepill", state: "hello", runFor: 10,
                                 openOCD("stm32f1x", ["program hello.elf verify reset exit"]))
        #expect(programmed.status == 0, "\(programmed.output)")
        #expect(programmed.stderr.contains("hello from the emulated core\n"), "\(programmed.output)")
        #expect(programmed.stderr.contains("semihosting exit 0x20026"), "\(programmed.output)")

        let started = Date()
        let powered = try rig("stlink:bluepill", state: "hello", runFor: 10, ["true"])
        #expect(powered.status == 0)
        #expect(powered.stderr.contains("hello from the emulated core\n"), "\(powered.output)")
        // The exit ends --run-for early.
        #expect(Date().timeIntervalSince(started) < 8)
    }

    @Test func uartOutputReachesTheConsoleFile() throws {
        try PeerFirmware.build(PeerFirmware.uartHelloSource, name: "uart", in: folder)
        let console = folder.appendingPathComponent("uart.txt").path
        let flashed = try rig("stlink:bluepill", runFor: 1, console: console,
                              ["st-flash", "--reset", "write", "uart.bin", "0x8000000"])
        #expect(flashed.status == 0, "\(flashed.output)")
        #expect(try String(contentsOfFile: console, encoding: .utf8).contains("hello over the UART\n"))
    }

    /// The console is opened in place: writing through a symlink (or to /dev/null) must not replace what the path is.
    @Test func theConsoleFileIsWrittenInPlaceNotReplaced() throws {
        let target = folder.appendingPathComponent("real-console.txt").path
        let link = folder.appendingPathComponent("console-link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let result = try rig("stlink:bluepill", console: link, ["true"])
        #expect(result.status == 0, "\(result.output)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(FileManager.default.fileExists(atPath: target))
    }

    @Test func stlinkV21OnANucleo() throws {
        let probe = try rig("stlink-v21:nucleo-f401re", ["st-info", "--probe"])
        #expect(probe.status == 0, "\(probe.output)")
        #expect(probe.stdout.contains("chipid:     0x0433"), "\(probe.output)")
        let openocd = try rig("stlink-v21:nucleo-f401re", openOCD("stm32f4x", ["init", "exit"]))
        #expect(openocd.status == 0, "\(openocd.output)")
        #expect(openocd.stderr.contains("STLINK V2J37M26 (API v2) VID:PID 0483:374B"), "\(openocd.output)")
        #expect(openocd.stderr.contains("Cortex-M4 r0p1 processor detected"), "\(openocd.output)")
    }

    @Test func aBoardWithoutACortexMIsRefused() throws {
        let result = try rig("stlink:uno", ["true"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("an ST-Link debugs ARM Cortex-M chips"), "\(result.output)")
    }
}
