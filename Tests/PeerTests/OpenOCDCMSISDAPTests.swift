import Foundation
import Testing

/// OpenOCD 0.12, unmodified, with its CMSIS-DAP v2 (bulk) driver and the stock target configs, judges the
/// CMSIS-DAP model and the chips behind it (nRF52840 NVMC, STM32F4 flash interface) through `atelier-rig exec` at
/// time-scale 0. What OpenOCD programs must be in the rig's flash state byte for byte, and OpenOCD must read back
/// the same bytes in a later run. Serialized: each test already runs a core, OpenOCD and the rig.
@Suite(.serialized) final class OpenOCDCMSISDAPTests {
    let folder: URL
    static let serial = "DAPTEST0001"

    init() throws {
        try RigProcess.requireTool("openocd", package: "openocd")
        folder = try RigProcess.temporaryFolder()
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    private func rig(_ board: String, state: String? = nil, runFor: Double = 0, _ command: [String]) throws
        -> RigProcess.Result
    {
        var arguments = ["exec", "--time-scale", "0", "--device", "cmsis-dap:\(board):serial=\(Self.serial)"]
        if let state { arguments += ["--state", folder.appendingPathComponent(state).path] }
        if runFor > 0 { arguments += ["--run-for", String(runFor)] }
        return try RigProcess.run(arguments + ["--"] + command, in: folder, timeout: 120)
    }

    /// OpenOCD with the stock CMSIS-DAP interface and a target config, its servers off so runs cannot collide.
    /// The bulk backend and the serial are chosen on the command line, not in a modified config.
    private func openOCD(_ target: String, _ commands: [String]) -> [String] {
        ["openocd", "-f", "interface/cmsis-dap.cfg", "-c", "cmsis_dap_backend usb_bulk",
         "-c", "adapter serial \(Self.serial)", "-f", "target/\(target).cfg", "-c", "gdb_port disabled",
         "-c", "tcl_port disabled", "-c", "telnet_port disabled"] + commands.flatMap { ["-c", $0] }
    }

    /// The flash the rig saved for the probe in `state`.
    private func savedFlash(_ state: String, board: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent("\(state)/cmsis-dap-\(board)-\(Self.serial).flash"))
    }

    private func file(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }

    @Test func openOCDFindsTheProbeAndTheNRF52840() throws {
        let result = try rig("nrf52840dk", openOCD("nrf52", ["init", "exit"]))
        #expect(result.status == 0, "\(result.output)")
        for line in ["Using CMSIS-DAPv2 interface with VID:PID=0x0d28:0x0204, serial=\(Self.serial)",
                     "CMSIS-DAP: SWD supported", "CMSIS-DAP: FW Version = 2.1.0",
                     "SWD DPIDR 0x2ba01477", "Cortex-M4 r0p1 processor detected"] {
            #expect(result.stderr.contains(line), "missing '\(line)' in:\n\(result.output)")
        }
    }

    @Test func programVerifyResetOnTheNRF52840MatchesTheImage() throws {
        // 70 000 bytes: 18 of the 4 KiB pages, the last one partly.
        let firmware = RigProcess.firmware(count: 70_000, seed: 52)
        try firmware.write(to: folder.appendingPathComponent("nrf.raw"))
        try PeerFirmware.elf(wrapping: folder.appendingPathComponent("nrf.raw"), name: "nrf", flash: 0, in: folder)
        let program = try rig("nrf52840dk", state: "nrf", openOCD("nrf52", ["program nrf.elf verify reset exit"]))
        #expect(program.status == 0, "\(program.output)")
        #expect(program.stderr.contains("** Verified OK **"), "\(program.output)")
        let saved = try savedFlash("nrf", board: "nrf52840dk")
        #expect(saved.count == 1024 * 1024)
        #expect(saved.prefix(firmware.count) == firmware)
        #expect(saved.dropFirst(firmware.count).allSatisfy { $0 == 0xFF })

        let dump = try rig("nrf52840dk", state: "nrf",
                           openOCD("nrf52", ["init", "reset halt", "dump_image back.bin 0 70000", "exit"]))
        #expect(dump.status == 0, "\(dump.output)")
        #expect(try file("back.bin") == firmware)
        // A word of the FICR and one of the image, through mdw.
        let words = try rig("nrf52840dk", state: "nrf",
                            openOCD("nrf52", ["init", "reset halt", "mdw 0x10000100", "mdw 0x4", "exit"]))
        #expect(words.output.contains("0x10000100: 00052840"), "\(words.output)")
        let second = firmware.dropFirst(4).prefix(4).reversed().map { String(format: "%02x", $0) }.joined()
        #expect(words.output.contains("0x00000004: \(second)"), "\(words.output)")
    }

    /// OpenOCD's nrf5 driver writes a UICR word through the NVMC and mass-erases flash and UICR together.
    @Test func uicrWordAndMassEraseOnTheNRF52840() throws {
        let firmware = RigProcess.firmware(count: 8_192, seed: 840)
        try firmware.write(to: folder.appendingPathComponent("small.bin"))
        let result = try rig("nrf52840dk", state: "uicr", openOCD("nrf52", [
            "init", "reset halt", "program small.bin 0x0 verify", "flash fillw 0x10001080 0x12345678 1",
            "mdw 0x10001080 2", "nrf5 mass_erase", "mdw 0x10001080", "mdw 0x0 2", "exit",
        ]))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("** Verified OK **"), "\(result.output)")
        #expect(result.output.contains("0x10001080: 12345678 ffffffff"), "\(result.output)")
        #expect(result.output.contains("0x10001080: ffffffff"), "\(result.output)")
        #expect(result.output.contains("0x00000000: ffffffff ffffffff"), "\(result.output)")
        #expect(try savedFlash("uicr", board: "nrf52840dk").allSatisfy { $0 == 0xFF })
    }

    @Test func programVerifyResetOnTheSTM32F4Discovery() throws {
        // 100 000 bytes cross the F407's four 16 KiB sectors into the 64 KiB one.
        let firmware = RigProcess.firmware(count: 100_000, seed: 407)
        try firmware.write(to: folder.appendingPathComponent("f4.raw"))
        try PeerFirmware.elf(wrapping: folder.appendingPathComponent("f4.raw"), name: "f4", in: folder)
        let program = try rig("stm32f4-discovery", state: "f4",
                              openOCD("stm32f4x", ["program f4.elf verify reset exit"]))
        #expect(program.status == 0, "\(program.output)")
        #expect(program.stderr.contains("** Verified OK **"), "\(program.output)")
        #expect(!program.stderr.contains("falling back"), "\(program.output)")
        let saved = try savedFlash("f4", board: "stm32f4-discovery")
        #expect(saved.prefix(firmware.count) == firmware)
        #expect(saved.dropFirst(firmware.count).allSatisfy { $0 == 0xFF })
        let dump = try rig("stm32f4-discovery", state: "f4",
                           openOCD("stm32f4x", ["init", "reset halt", "dump_image back.bin 0x08000000 100000",
                                                "exit"]))
        #expect(dump.status == 0, "\(dump.output)")
        #expect(try file("back.bin") == firmware)
    }

    /// atelier's own `hello` template for the nRF52840 DK, in C, programmed by OpenOCD, prints over semihosting
    /// after the reset once OpenOCD has gone.
    @Test func templateHelloOnTheNRF52840DKPrintsAfterReset() throws {
        let created = try AtelierCLI.run(["new", "hello-nrf", "--board", "nrf52840dk", "--template", "hello",
                                          "--lang", "c"], in: folder)
        #expect(created.status == 0, "\(created.output)")
        let project = folder.appendingPathComponent("hello-nrf")
        let built = try AtelierCLI.run(["build"], in: project)
        #expect(built.status == 0, "\(built.output)")
        let elf = project.appendingPathComponent(".atelier/build/nrf52840dk/debug/firmware.elf")
        let programmed = try rig("nrf52840dk", runFor: 10,
                                 openOCD("nrf52", ["program \(elf.path) verify reset exit"]))
        #expect(programmed.status == 0, "\(programmed.output)")
        #expect(programmed.stderr.contains("Hello from nrf52840dk\n"), "\(programmed.output)")
    }

    @Test func jtagIsRefusedAsTheProbeHasNone() throws {
        let result = try rig("nrf52840dk", ["openocd", "-f", "interface/cmsis-dap.cfg", "-c", "transport select jtag",
                                            "-c", "adapter speed 1000", "-c", "jtag newtap x cpu -irlen 4",
                                            "-c", "init", "-c", "exit"])
        #expect(result.status != 0, "\(result.output)")
        #expect(result.stderr.contains("CMSIS-DAP: JTAG not supported"), "\(result.output)")
    }
}
