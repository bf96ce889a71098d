import Foundation
import Testing

/// `atelier flash` through the real USB module against the virtual rig's STM32F4 ROM bootloader, with dfu-util as
/// the independent judge of what ends up on the chip. Each test keeps its own `--state` folder, so several `exec`
/// runs see the same board.
@Suite(.serialized) struct FlashUnderRigTests {
    let state: URL
    let work: URL
    let atelier: String
    let rig: String

    init() throws {
        state = try CLIRunner.temporaryDirectory()
        work = try CLIRunner.temporaryDirectory()
        atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
    }

    func underRig(_ command: [String], devices: [String] = ["dfuse:stm32f4-discovery:serial=F4A"]) throws -> CLIRunner.Result {
        var arguments = ["exec", "--time-scale", "0", "--state", state.path]
        for device in devices { arguments += ["--device", device] }
        return try CLIRunner.run(rig, arguments + ["--"] + command)
    }

    func flash(_ image: URL, base: String = "0x08000000", _ extra: [String] = []) throws -> CLIRunner.Result {
        try underRig([atelier, "flash", image.path, "--base", base, "--board", "stm32f4-discovery", "--json"] + extra)
    }

    func image(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = work.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }



    @Test func whatAtelierWritesDfuUtilReadsBackIdentical() throws {
        let bytes = RigFlashSession.random(100_000, seed: 1)
        let result = try flash(try image("fw.bin", bytes))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let upload = work.appendingPathComponent("up.bin")
        let dfu = try underRig(["dfu-util", "-a", "0", "-s", "0x08000000:100000", "-U", upload.path])
        #expect(dfu.exitCode == 0, "\(dfu.stderr)")
        #expect(try Data(contentsOf: upload) == Data(bytes))
    }

    @Test func whatDfuUtilWritesAtelierVerifiesIdentical() throws {
        let bytes = RigFlashSession.random(40_000, seed: 2)
        let file = try image("peer.bin", bytes)
        let dfu = try underRig(["dfu-util", "-a", "0", "-s", "0x08008000", "-D", file.path])
        #expect(dfu.exitCode == 0, "\(dfu.stderr)")
        let same = try flash(file, base: "0x08008000", ["--verify-only"])
        #expect(same.exitCode == 0, "\(same.stderr)")
        #expect(try RigFlashSession.report(same)["bytes_verified"] as? Int == 40_000)
        var changed = bytes
        changed[12_345] ^= 0x40
        let different = try flash(try image("changed.bin", changed), base: "0x08008000", ["--verify-only"])
        #expect(different.exitCode == 1)
        #expect(different.stderr.contains("verify failed at 0x0800B039"))
    }

    @Test func aSecondFlashOfTheSameImageErasesAndWritesNothing() throws {
        let file = try image("fw.bin", RigFlashSession.random(300_000, seed: 3))
        #expect(try flash(file).exitCode == 0)
        let again = try flash(file)
        #expect(again.exitCode == 0, "\(again.stderr)")
        let second = try RigFlashSession.report(again)
        #expect(second["bytes_written"] as? Int == 0)
        #expect(second["sectors_erased"] as? Int == 0)
        #expect(second["sectors_skipped"] as? Int == second["sectors_touched"] as? Int)
    }

    @Test func changingOne4KiBBlockTouchesOneSectorOnly() throws {
        var bytes = RigFlashSession.random(300_000, seed: 4)
        #expect(try flash(try image("a.bin", bytes)).exitCode == 0)
        for index in 0x2_1000..<0x2_2000 { bytes[index] = ~bytes[index] }
        let result = try flash(try image("b.bin", bytes))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let changed = try RigFlashSession.report(result)
        #expect(changed["sectors_erased"] as? Int == 1)
        #expect(changed["sectors_programmed"] as? Int == 1)
        #expect((changed["sectors_skipped"] as? Int ?? 0) == (changed["sectors_touched"] as? Int ?? 0) - 1)
        let upload = work.appendingPathComponent("up.bin")
        _ = try underRig(["dfu-util", "-a", "0", "-s", "0x08000000:300000", "-U", upload.path])
        #expect(try Data(contentsOf: upload) == Data(bytes))
    }

    @Test func anImageOutsideFlashIsRefusedBeforeTheDeviceIsTouched() throws {
        let result = try flash(try image("big.bin", RigFlashSession.random(16, seed: 5)), base: "0x080FFFF8")
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("8 image bytes at 0x08100000..0x08100007 lie outside the board's flash"))
    }

    @Test func twoIdenticalProbesNeedAPortAndTheRightOneIsFlashed() throws {
        let devices = ["dfuse:stm32f4-discovery:serial=SAME", "dfuse:stm32f4-discovery:serial=SAME:port=1-4.2"]
        let file = try image("fw.bin", RigFlashSession.random(2048, seed: 6))
        let ambiguous = try underRig([atelier, "flash", file.path, "--base", "0x08000000", "--board", "stm32f4-discovery"],
                                     devices: devices)
        #expect(ambiguous.exitCode == 2)
        #expect(ambiguous.stderr.contains("usb:1-4.2") && ambiguous.stderr.contains("usb:1-1"))
        let chosen = try underRig(
            [atelier, "flash", file.path, "--base", "0x08000000", "--board", "stm32f4-discovery", "--probe", "usb:1-4.2"],
            devices: devices)
        #expect(chosen.exitCode == 0, "\(chosen.stderr)")
        let other = try underRig([atelier, "flash", file.path, "--base", "0x08000000", "--board", "stm32f4-discovery",
                                  "--probe", "usb:1-1", "--verify-only"], devices: devices)
        #expect(other.exitCode == 1, "the board on the other port must still be blank")
    }

    @Test func theWrongBoardsChipIsRefused() throws {
        let file = try image("fw.bin", RigFlashSession.random(1024, seed: 7))
        let result = try underRig([atelier, "flash", file.path, "--base", "0x08000000", "--board", "nucleo-f401re"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("the device is not a nucleo-f401re"))
    }

    @Test func inAProjectTheImageAndBoardAreTheProjects() throws {
        let project = work.appendingPathComponent("blink")
        let created = try CLIRunner.atelier("new", project.path, "--board", "stm32f4-discovery", "--template", "blinky")
        #expect(created.exitCode == 0, "\(created.stderr)")
        var arguments = ["exec", "--time-scale", "0", "--state", state.path, "--device", "dfuse:stm32f4-discovery:serial=F4A"]
        arguments += ["--"]
        arguments += [atelier, "flash", "--json"]
        let flashed = try CLIRunner.run(rig, arguments, directory: project)
        #expect(flashed.exitCode == 0, "\(flashed.stderr)")
        let binary = project.appendingPathComponent(".atelier/build/stm32f4-discovery/debug/firmware.bin")
        let built = try Data(contentsOf: binary)
        let upload = work.appendingPathComponent("project.bin")
        _ = try underRig(["dfu-util", "-a", "0", "-s", "0x08000000:\(built.count)", "-U", upload.path])
        #expect(try Data(contentsOf: upload) == built)
    }

    @Test func outsideAProjectTheImageIsRequired() throws {
        let result = try CLIRunner.atelier("flash", in: work)
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("inside a project"))
    }
}
