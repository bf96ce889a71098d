import Foundation
import Testing

/// atelier's own CMSIS-DAP v2 driver through the real USB module against the virtual rig's CMSIS-DAP probe, with
/// OpenOCD (interface/cmsis-dap.cfg) as the independent judge of what ends up on the chip. Each test keeps its own
/// `--state` folder.
@Suite(.serialized) struct CMSISDAPUnderRigTests {
    static let nrf = "cmsis-dap:nrf52840dk"
    static let f4 = "cmsis-dap:stm32f4-discovery"

    func session(_ device: String = nrf, board: String = "nrf52840dk") throws -> RigFlashSession {
        try RigFlashSession(device: device, board: board)
    }

    /// OpenOCD's nRF5 programming is slow on the rig (over a minute for a few pages), so it gets more time.
    func openOCD(_ rig: RigFlashSession, target: String, _ commands: String) throws -> CLIRunner.Result {
        try rig.underRig(["openocd", "-f", "interface/cmsis-dap.cfg", "-f", "target/\(target).cfg", "-c", commands],
                         timeout: 400)
    }

    @Test func flashVerifyAndAnUnchangedReflashOnTheNRF52840() throws {
        let rig = try session()
        let file = try rig.image("fw.bin", RigFlashSession.random(20_480, seed: 31))
        let first = try rig.flash(file, base: "0x0", ["--json"])
        #expect(first.exitCode == 0, "\(first.stderr)")
        let report = try RigFlashSession.report(first)
        #expect(report["sectors_touched"] as? Int == 5)
        #expect(report["bytes_verified"] as? Int == 5 * 4096)
        let again = try rig.flash(file, base: "0x0", ["--json"])
        #expect(again.exitCode == 0, "\(again.stderr)")
        let second = try RigFlashSession.report(again)
        #expect(second["sectors_skipped"] as? Int == 5)
        #expect(second["bytes_written"] as? Int == 0)
        #expect(second["bytes_read"] as? Int == 0, "unchanged pages are compared by on-target CRC-32")
    }

    @Test func whatAtelierWritesOpenOCDReadsBackIdentical() throws {
        let rig = try session()
        let bytes = RigFlashSession.random(40_000, seed: 32)
        let result = try rig.flash(try rig.image("fw.bin", bytes), base: "0x0")
        #expect(result.exitCode == 0, "\(result.stderr)")
        let dump = rig.work.appendingPathComponent("oocd.bin")
        let peer = try openOCD(rig, target: "nrf52", "init; dump_image \(dump.path) 0x0 40000; exit")
        #expect(peer.exitCode == 0, "\(peer.stderr)")
        #expect(try Data(contentsOf: dump) == Data(bytes))
    }

    @Test func whatOpenOCDProgramsAtelierReadsBackIdentical() throws {
        let rig = try session()
        // OpenOCD's own nRF5 flashing takes over a minute for a few pages on the rig at time-scale 0: one page.
        let bytes = RigFlashSession.random(4096, seed: 33)
        let file = try rig.image("peer.bin", bytes)
        let peer = try openOCD(rig, target: "nrf52", "program \(file.path) 0x0 verify exit")
        #expect(peer.exitCode == 0, "\(peer.stderr)")
        let out = rig.work.appendingPathComponent("read.bin")
        let read = try rig.underRig([rig.atelier, "read", "0x0", "4096", "-o", out.path])
        #expect(read.exitCode == 0, "\(read.stderr)")
        #expect(try Data(contentsOf: out) == Data(bytes))
        let same = try rig.flash(file, base: "0x0", ["--verify-only", "--json"])
        #expect(same.exitCode == 0, "\(same.stderr)")
        var changed = bytes
        changed[3000] ^= 0x10
        let different = try rig.flash(try rig.image("changed.bin", changed), base: "0x0", ["--verify-only"])
        #expect(different.exitCode == 1)
        #expect(different.stderr.contains("verify failed at 0x00000BB8"), "\(different.stderr)")
    }

    @Test func theSTM32F4FlashTargetWorksThroughCMSISDAPAndOpenOCDAgrees() throws {
        let rig = try session(Self.f4, board: "stm32f4-discovery")
        let bytes = RigFlashSession.random(70_000, seed: 34)
        let file = try rig.image("f4.bin", bytes)
        let result = try rig.flash(file, ["--json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(try RigFlashSession.report(result)["sectors_touched"] as? Int == 5)
        let again = try rig.flash(file, ["--json"])
        #expect(again.exitCode == 0, "\(again.stderr)")
        #expect(try RigFlashSession.report(again)["bytes_written"] as? Int == 0)
        let dump = rig.work.appendingPathComponent("oocd.bin")
        let peer = try openOCD(rig, target: "stm32f4x", "init; dump_image \(dump.path) 0x08000000 70000; exit")
        #expect(peer.exitCode == 0, "\(peer.stderr)")
        #expect(try Data(contentsOf: dump) == Data(bytes))
    }

    @Test func theWrongChipIsRefusedNamingBoth() throws {
        let rig = try session()
        let file = try rig.image("fw.bin", RigFlashSession.random(1024, seed: 35))
        let wrong = try rig.underRig([rig.atelier, "flash", file.path, "--base", "0x08000000", "--board",
                                      "stm32f4-discovery"])
        #expect(wrong.exitCode == 2)
        #expect(wrong.stderr.contains("the chip on the wire is not stm32f4-discovery's stm32f407vg"), "\(wrong.stderr)")
    }

    @Test func probesListsItWithItsSerialAndReadEraseResetWork() throws {
        let rig = try session()
        let listed = try rig.underRig([rig.atelier, "probes", "--json"])
        #expect(listed.exitCode == 0, "\(listed.stderr)")
        let probe = try #require(try ProbesUnderRigTests.probes(listed.stdout).first, "\(listed.stdout)")
        #expect(probe["kind"] as? String == "cmsis-dap")
        #expect((probe["serial"] as? String)?.isEmpty == false, "a serial in \(probe)")
        let bytes = RigFlashSession.random(8192, seed: 36)
        #expect(try rig.flash(try rig.image("fw.bin", bytes), base: "0x0").exitCode == 0)
        let erase = try rig.underRig([rig.atelier, "erase", "--board", "nrf52840dk", "--sector", "1"])
        #expect(erase.exitCode == 0, "\(erase.stderr)")
        let out = rig.work.appendingPathComponent("read.bin")
        let read = try rig.underRig([rig.atelier, "read", "0x0", "8K", "-o", out.path])
        #expect(read.exitCode == 0, "\(read.stderr)")
        #expect(try Data(contentsOf: out) == Data(bytes[0..<4096] + [UInt8](repeating: 0xFF, count: 4096)))
        let reset = try rig.underRig([rig.atelier, "reset", "--halt"])
        #expect(reset.exitCode == 0, "\(reset.stderr)")
        #expect(reset.stdout.contains("core halted at PC"))
    }

    @Test(arguments: ["c", "swift"])
    func helloRunsOnTheNRF52840(language: String) throws {
        let result = try RunTemplatesUnderRigTests().runInProject(
            board: "nrf52840dk", device: Self.nrf, language: language, template: "hello",
            ["--expect", "Hello from nrf52840dk"])
        #expect(result.exitCode == 0, "\(language): \(result.stderr)")
        #expect(result.stdout.contains("Hello from nrf52840dk"))
    }
}
