import Foundation
import Testing

/// dfu-util 0.11, unmodified, judges the DfuSe and DFU models through `atelier-rig exec`.
@Suite final class DfuUtilPeerTests {
    let folder: URL

    init() throws {
        try RigProcess.requireTool("dfu-util", package: "dfu-util")
        folder = try RigProcess.temporaryFolder()
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    private func rig(_ devices: [String], state: URL? = nil, timeScale: String = "0", _ command: [String]) throws
        -> RigProcess.Result
    {
        var arguments = ["exec", "--time-scale", timeScale]
        for device in devices { arguments += ["--device", device] }
        if let state { arguments += ["--state", state.path] }
        return try RigProcess.run(arguments + ["--"] + command, in: folder)
    }

    @Test func listsTheSTM32BootloaderWithItsAlternateSettings() throws {
        let result = try rig(["dfuse:stm32f4-discovery:serial=315A28A0B956"], ["dfu-util", "-l"])
        #expect(result.status == 0, "\(result.output)")
        let names = [
            "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", "@Option Bytes  /0x1FFFC000/01*016 g",
            "@OTP Memory /0x1FFF7800/01*512 g,01*016 g", "@Device Feature/0xFFFF0000/01*004 g",
        ]
        for (alt, name) in names.enumerated() {
            let line = "Found DFU: [0483:df11] ver=2200, devnum=2, cfg=1, intf=0, path=\"1-1\", alt=\(alt), "
                + "name=\"\(name)\", serial=\"315A28A0B956\""
            #expect(result.stdout.contains(line), "missing: \(line)\n\(result.output)")
        }
    }

    @Test func downloadThenUploadReadsBackWhatWasWrittenAndStatePersists() throws {
        let state = folder.appendingPathComponent("state")
        let firmware = RigProcess.firmware(count: 100_000, seed: 7)
        try firmware.write(to: folder.appendingPathComponent("fw.bin"))
        let download = try rig(["dfuse:stm32f4-discovery"], state: state,
                               ["dfu-util", "-a", "0", "-s", "0x08000000:leave", "-D", "fw.bin"])
        #expect(download.status == 0, "\(download.output)")
        #expect(download.stdout.contains("File downloaded successfully"), "\(download.output)")

        // A second exec: a new testbed and a new process, the same chip.
        let upload = try rig(["dfuse:stm32f4-discovery"], state: state,
                             ["dfu-util", "-a", "0", "-s", "0x08000000:262144", "-U", "out.bin"])
        #expect(upload.status == 0, "\(upload.output)")
        let readBack = try Data(contentsOf: folder.appendingPathComponent("out.bin"))
        #expect(readBack.count == 262_144)
        #expect(readBack.prefix(firmware.count) == firmware)
        #expect(readBack.dropFirst(firmware.count).allSatisfy { $0 == 0xFF })

        // Without --state the chip starts erased.
        let fresh = try rig(["dfuse:stm32f4-discovery"],
                            ["dfu-util", "-a", "0", "-s", "0x08000000:4096", "-U", "x.bin"])
        #expect(fresh.status == 0, "\(fresh.output)")
        #expect(try Data(contentsOf: folder.appendingPathComponent("x.bin")).allSatisfy { $0 == 0xFF })
    }

    @Test func twinsWithOneSerialKeepSeparateFlash() throws {
        let state = folder.appendingPathComponent("state")
        try RigProcess.firmware(count: 2_048, seed: 9).write(to: folder.appendingPathComponent("fw.bin"))
        let twins = ["dfuse:stm32f4-discovery:serial=TWIN:port=1-3", "dfuse:stm32f4-discovery:serial=TWIN:port=1-4"]
        let download = try rig(twins, state: state,
                               ["dfu-util", "-p", "1-4", "-a", "0", "-s", "0x08000000", "-D", "fw.bin"])
        #expect(download.status == 0, "\(download.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: state.path).sorted()
        #expect(files == ["dfuse-stm32f4-discovery-TWIN-port1-4.flash"])
    }

    @Test func identicalSerialsOnDifferentPortsAreBothListed() throws {
        let result = try rig(["dfuse:stm32f4-discovery:serial=SAME:port=1-3", "dfuse:stm32f4-discovery:serial=SAME"],
                             ["dfu-util", "-l"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("path=\"1-3\", alt=0"), "\(result.output)")
        #expect(result.stdout.contains("path=\"1-1\", alt=0"), "\(result.output)")
    }

    @Test func eachDeviceHasItsOwnFlashSelectedBySerial() throws {
        let state = folder.appendingPathComponent("state")
        let firmware = RigProcess.firmware(count: 5_000, seed: 3)
        try firmware.write(to: folder.appendingPathComponent("fw.bin"))
        let devices = ["dfuse:stm32f4-discovery:serial=AAAA00000001", "dfuse:stm32f4-discovery:serial=BBBB00000002"]
        let download = try rig(devices, state: state,
                               ["dfu-util", "-S", "BBBB00000002", "-a", "0", "-s", "0x08000000", "-D", "fw.bin"])
        #expect(download.status == 0, "\(download.output)")
        for (serial, written) in [("AAAA00000001", false), ("BBBB00000002", true)] {
            let name = "\(serial).bin"
            let upload = try rig(devices, state: state,
                                 ["dfu-util", "-S", serial, "-a", "0", "-s", "0x08000000:5000", "-U", name])
            #expect(upload.status == 0, "\(upload.output)")
            let readBack = try Data(contentsOf: folder.appendingPathComponent(name))
            #expect((readBack == firmware) == written, "device \(serial)")
        }
    }

    @Test func timeScaleMakesTheChipTakeItsDatasheetTime() throws {
        try RigProcess.firmware(count: 1_024, seed: 5).write(to: folder.appendingPathComponent("fw.bin"))
        // The F407's 8 s mass erase at a twentieth of real time: dfu-util sleeps the 400 ms bwPollTimeout.
        let started = Date()
        let result = try rig(["dfuse:stm32f4-discovery"], timeScale: "0.05",
                             ["dfu-util", "-a", "0", "-s", "0x08000000:mass-erase:force", "-D", "fw.bin"])
        #expect(result.status == 0, "\(result.output)")
        #expect(Date().timeIntervalSince(started) >= 0.4)
    }

    @Test func plainDFUBootloaderWritesAndReadsBack() throws {
        let state = folder.appendingPathComponent("state")
        let firmware = RigProcess.firmware(count: 30_000, seed: 11)
        try firmware.write(to: folder.appendingPathComponent("app.bin"))
        let download = try rig(["dfu:bluepill"], state: state, ["dfu-util", "-D", "app.bin"])
        #expect(download.status == 0, "\(download.output)")
        let upload = try rig(["dfu:bluepill"], state: state, ["dfu-util", "-U", "back.bin"])
        #expect(upload.status == 0, "\(upload.output)")
        let readBack = try Data(contentsOf: folder.appendingPathComponent("back.bin"))
        #expect(readBack.count == 64 * 1024)
        #expect(readBack.prefix(firmware.count) == firmware)
    }

    @Test func badInputExitsWithTwoAndSaysWhy() throws {
        let board = try rig(["dfuse:stm32f4-discovry"], ["true"])
        #expect(board.status == 2)
        #expect(board.stderr.contains("unknown board 'stm32f4-discovry'"), "\(board.output)")
        #expect(board.stderr.contains("stm32f4-discovery"), "\(board.output)")
        let kind = try rig(["jlink:bluepill"], ["true"])
        #expect(kind.status == 2)
        #expect(kind.stderr.contains("unknown device kind 'jlink'"), "\(kind.output)")
        let noBootloader = try rig(["dfuse:bluepill"], ["true"])
        #expect(noBootloader.status == 2)
        #expect(noBootloader.stderr.contains("no DfuSe ROM bootloader"), "\(noBootloader.output)")
    }

    @Test func theCommandsExitStatusAndPreloadReachOnlyTheChild() throws {
        let result = try rig(["dfu:bluepill"], ["sh", "-c", "echo \"$LD_PRELOAD|$UMOCKDEV_DIR\"; exit 7"])
        #expect(result.status == 7)
        #expect(result.stdout.hasPrefix("libumockdev-preload.so.0|/"), "\(result.output)")
    }

    /// A signal mask survives exec: the command must start with nothing blocked, or a shell never sees its jobs end.
    @Test func theCommandStartsWithNoSignalBlocked() throws {
        let result = try rig(["dfu:bluepill"], ["sh", "-c", "sleep 0.1 & wait; grep SigBlk /proc/self/status"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("SigBlk:\t0000000000000000"), "\(result.output)")
    }
}
