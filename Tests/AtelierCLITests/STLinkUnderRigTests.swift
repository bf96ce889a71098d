import Foundation
import Testing

/// atelier's own ST-Link driver through the real USB module against the virtual rig's ST-Link, with st-flash and
/// OpenOCD as the independent judges of what ends up on the chip. Each test keeps its own `--state` folder.
@Suite(.serialized) struct STLinkUnderRigTests {
    let state: URL
    let work: URL
    let atelier: String
    let rig: String
    static let hasPeers = ["/usr/bin/st-flash", "/usr/bin/openocd"].allSatisfy {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    init() throws {
        state = try CLIRunner.temporaryDirectory()
        work = try CLIRunner.temporaryDirectory()
        atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
    }

    func underRig(_ command: [String], device: String = "stlink:bluepill") throws -> CLIRunner.Result {
        let arguments = ["exec", "--time-scale", "0", "--state", state.path, "--console",
                         work.appendingPathComponent("console.txt").path, "--device", device, "--"]
        return try CLIRunner.run(rig, arguments + command)
    }

    func flash(_ image: URL, board: String = "bluepill", device: String = "stlink:bluepill", _ extra: [String] = [])
        throws -> CLIRunner.Result
    {
        try underRig([atelier, "flash", image.path, "--base", "0x08000000", "--board", board, "--json"] + extra,
                     device: device)
    }

    func image(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = work.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }



    @Test(.enabled(if: hasPeers)) func whatAtelierWritesStFlashAndOpenOCDReadBackIdentical() throws {
        let bytes = RigFlashSession.random(20_000, seed: 11)
        let result = try flash(try image("fw.bin", bytes))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let stFlash = work.appendingPathComponent("st.bin")
        let peer = try underRig(["st-flash", "read", stFlash.path, "0x08000000", "20000"])
        #expect(peer.exitCode == 0, "\(peer.stderr)")
        #expect(try Data(contentsOf: stFlash) == Data(bytes))
        let openOCD = work.appendingPathComponent("oocd.bin")
        let dump = try underRig(["openocd", "-f", "interface/stlink.cfg", "-f", "target/stm32f1x.cfg", "-c",
                                 "init; dump_image \(openOCD.path) 0x08000000 20000; exit"])
        #expect(dump.exitCode == 0, "\(dump.stderr)")
        #expect(try Data(contentsOf: openOCD) == Data(bytes))
    }

    @Test(.enabled(if: hasPeers)) func whatStFlashWritesAtelierVerifiesAndAChangedByteIsFound() throws {
        let bytes = RigFlashSession.random(12_288, seed: 12)
        let file = try image("peer.bin", bytes)
        let peer = try underRig(["st-flash", "write", file.path, "0x08000000"])
        #expect(peer.exitCode == 0, "\(peer.stderr)")
        let same = try flash(file, ["--verify-only"])
        #expect(same.exitCode == 0, "\(same.stderr)")
        #expect(try RigFlashSession.report(same)["bytes_verified"] as? Int == 12_288)
        var changed = bytes
        changed[5000] ^= 0x10
        let different = try flash(try image("changed.bin", changed), ["--verify-only"])
        #expect(different.exitCode == 1)
        #expect(different.stderr.contains("verify failed at 0x08001388"), "\(different.stderr)")
    }

    @Test func aSecondFlashSkipsEverySectorWithoutReadingItBack() throws {
        let file = try image("fw.bin", RigFlashSession.random(16_384, seed: 13))
        #expect(try flash(file).exitCode == 0)
        let again = try flash(file)
        #expect(again.exitCode == 0, "\(again.stderr)")
        let second = try RigFlashSession.report(again)
        #expect(second["sectors_skipped"] as? Int == 16)
        #expect(second["bytes_written"] as? Int == 0)
        #expect(second["sectors_erased"] as? Int == 0)
        #expect(second["bytes_read"] as? Int == 0, "unchanged sectors are compared by on-target CRC-32")
    }

    @Test func theWrongChipIsRefusedNamingBoth() throws {
        let file = try image("fw.bin", RigFlashSession.random(1024, seed: 14))
        let f4 = try flash(file, board: "stm32f4-discovery")
        #expect(f4.exitCode == 2)
        #expect(f4.stderr.contains("the chip on the wire is not stm32f4-discovery's stm32f407vg"), "\(f4.stderr)")
        #expect(f4.stderr.contains("found DP IDCODE 0x1BA01477"))
        let f1 = try flash(file, board: "bluepill", device: "stlink-v21:stm32f4-discovery")
        #expect(f1.exitCode == 2)
        #expect(f1.stderr.contains("expected DEV_ID 0x410, 64 KiB flash, DP IDCODE 0x1BA01477"), "\(f1.stderr)")
    }

    @Test(.enabled(if: hasPeers)) func stm32f4SectorsThroughAV21AndOpenOCDAgrees() throws {
        let bytes = RigFlashSession.random(70_000, seed: 15)
        let file = try image("f4.bin", bytes)
        let device = "stlink-v21:stm32f4-discovery"
        let result = try flash(file, board: "stm32f4-discovery", device: device)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(try RigFlashSession.report(result)["sectors_touched"] as? Int == 5)
        let openOCD = work.appendingPathComponent("oocd.bin")
        let dump = try underRig(["openocd", "-f", "interface/stlink.cfg", "-f", "target/stm32f4x.cfg", "-c",
                                 "init; dump_image \(openOCD.path) 0x08000000 70000; exit"], device: device)
        #expect(dump.exitCode == 0, "\(dump.stderr)")
        #expect(try Data(contentsOf: openOCD) == Data(bytes))
    }

    @Test(.enabled(if: hasPeers)) func whatOpenOCDProgramsAtelierVerifiesIdentical() throws {
        let bytes = RigFlashSession.random(40_000, seed: 17)
        let file = try image("oocd.bin", bytes)
        let device = "stlink-v21:stm32f4-discovery"
        let peer = try underRig(["openocd", "-f", "interface/stlink.cfg", "-f", "target/stm32f4x.cfg", "-c",
                                 "program \(file.path) 0x08000000 verify exit"], device: device)
        #expect(peer.exitCode == 0, "\(peer.stderr)")
        let same = try flash(file, board: "stm32f4-discovery", device: device, ["--verify-only"])
        #expect(same.exitCode == 0, "\(same.stderr)")
        #expect(try RigFlashSession.report(same)["bytes_verified"] as? Int == 40_000)
    }

    @Test func readEraseAndResetCompanions() throws {
        let bytes = RigFlashSession.random(2048, seed: 16)
        #expect(try flash(try image("fw.bin", bytes)).exitCode == 0)
        let out = work.appendingPathComponent("read.bin")
        let read = try underRig([atelier, "read", "0x08000400", "1K", "-o", out.path])
        #expect(read.exitCode == 0, "\(read.stderr)")
        #expect(try Data(contentsOf: out) == Data(bytes[1024..<2048]))
        let dump = try underRig([atelier, "read", "0x08000000", "20"])
        let first = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
        #expect(dump.stdout.hasPrefix("08000000  \(first)"), "\(dump.stdout)")
        let erase = try underRig([atelier, "erase", "--board", "bluepill", "--sector", "1"])
        #expect(erase.exitCode == 0, "\(erase.stderr)")
        let blank = try underRig([atelier, "read", "0x08000400", "1K", "-o", out.path])
        #expect(blank.exitCode == 0)
        #expect(try Data(contentsOf: out) == Data(repeating: 0xFF, count: 1024))
        let reset = try underRig([atelier, "reset", "--halt"])
        #expect(reset.exitCode == 0, "\(reset.stderr)")
        #expect(reset.stdout.contains("core halted at PC"))
    }
}
