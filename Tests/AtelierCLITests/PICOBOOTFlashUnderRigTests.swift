import FirmwareImage
import Foundation
import Testing

/// `atelier flash --board pico` through the native PICOBOOT driver against the rig's RP2040 boot ROM model.
///
/// picotool is not packaged in Debian 12, so the judges are the PICOBOOT rules the model follows
/// (picoboot-usbasp.md A3–A4), the UF2 acceptance rules of the ROM (A5) checked on the file `atelier image
/// convert` writes, FirmwareImage's UF2 reader, and the rig's own flash array read back from `--state`.
@Suite(.serialized) struct PICOBOOTFlashUnderRigTests {
    let rig: RigFlashSession
    static let flashSize = 2 * 1024 * 1024

    init() throws {
        rig = try RigFlashSession(device: "picoboot:pico:serial=PICO1", board: "pico")
    }

    /// What the virtual RP2040's QSPI flash holds, from its state file.
    func rigFlash() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: rig.state.appendingPathComponent("picoboot-pico-PICO1.flash")))
    }

    func flash(_ file: URL, _ extra: [String] = []) throws -> CLIRunner.Result {
        try rig.underRig([rig.atelier, "flash", file.path, "--board", "pico"] + extra)
    }

    @Test func aUF2FromImageConvertIsAcceptedByROMRulesAndLandsInFlash() throws {
        let bytes = RigFlashSession.random(10_000, seed: 41)
        let bin = try rig.image("fw.bin", bytes)
        let uf2 = rig.work.appendingPathComponent("fw.uf2")
        let convert = try CLIRunner.atelier("image", "convert", bin.path, uf2.path, "--format", "uf2",
                                            "--base", "0x10000000", "--board", "pico")
        #expect(convert.exitCode == 0, "\(convert.stderr)")
        // A5: every 512-byte block has the three magics, family flag and RP2040 family, 256-byte payload at a
        // 256-aligned flash address, and a block number below the count.
        let file = [UInt8](try Data(contentsOf: uf2))
        #expect(file.count % 512 == 0 && !file.isEmpty)
        let word = { (at: Int) in (0..<4).reduce(UInt32(0)) { $0 | UInt32(file[at + $1]) << (8 * $1) } }
        for block in stride(from: 0, to: file.count, by: 512) {
            #expect(word(block) == 0x0A32_4655 && word(block + 4) == 0x9E5D_5157 && word(block + 508) == 0x0AB1_6F30)
            #expect(word(block + 8) & 0x2000 != 0 && word(block + 8) & 1 == 0 && word(block + 28) == 0xE48B_FF56)
            #expect(word(block + 16) == 256 && word(block + 12) % 256 == 0 && word(block + 12) >= 0x1000_0000)
            #expect(word(block + 20) < word(block + 24))
        }
        let result = try flash(uf2, ["--json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"probe\":\"picoboot 2e8a:0003 serial PICO1"), "\(result.stdout)")
        let image = try FirmwareImage.load(uf2.path)
        let span = try #require(image.span)
        let held = try rigFlash()
        #expect(held.count == Self.flashSize)
        #expect(Array(held[0..<span.count]) == image.bytes(in: span, fill: 0xFF))
        #expect(Array(held[0..<bytes.count]) == bytes)
        #expect(held[12_288...].allSatisfy { $0 == 0xFF })
    }

    @Test func anELFAndABinLandWhereTheySay() throws {
        let code = RigFlashSession.random(6_000, seed: 42)
        let elf = rig.work.appendingPathComponent("fw.elf")
        try FirmwareImage(segments: [Segment(address: 0x1000_2000, bytes: code)]).write(to: elf.path)
        #expect(try flash(elf).exitCode == 0)
        let data = RigFlashSession.random(700, seed: 43)
        let bin = try rig.image("data.bin", data)
        let result = try flash(bin, ["--base", "0x10100100"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let held = try rigFlash()
        #expect(Array(held[0x2000..<(0x2000 + code.count)]) == code)
        #expect(Array(held[0x10_0100..<(0x10_0100 + data.count)]) == data)
        #expect(held[0x10_0000..<0x10_0100].allSatisfy { $0 == 0xFF })
    }

    @Test func aPatchErasesOnlyItsSectorAndKeepsTheRest() throws {
        let old = RigFlashSession.random(16_384, seed: 44)
        #expect(try flash(try rig.image("old.bin", old), ["--base", "0x10000000"]).exitCode == 0)
        let patch = RigFlashSession.random(100, seed: 45)
        let result = try flash(try rig.image("patch.bin", patch), ["--base", "0x10001010", "--json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let report = try RigFlashSession.report(result)
        #expect(report["sectors_erased"] as? Int == 1)
        #expect(report["mass_erased"] as? Bool == false)
        var expected = old
        expected.replaceSubrange(0x1010..<0x1074, with: patch)
        #expect(Array(try rigFlash().prefix(old.count)) == expected)
        let again = try flash(try rig.image("patch.bin", patch), ["--base", "0x10001010", "--json"])
        #expect(try RigFlashSession.report(again)["bytes_written"] as? Int == 0)
    }

    @Test func verifyOnlyFindsTheFirstDifferenceAtAnUnalignedAddress() throws {
        let bytes = RigFlashSession.random(3_000, seed: 46)
        #expect(try flash(try rig.image("fw.bin", bytes), ["--base", "0x10000000"]).exitCode == 0)
        let same = try flash(try rig.image("fw.bin", Array(bytes[17..<2_017])), ["--base", "0x10000011",
                                                                                 "--verify-only"])
        #expect(same.exitCode == 0, "\(same.stderr)")
        var changed = bytes
        changed[2_345] ^= 0x80
        let different = try flash(try rig.image("changed.bin", changed), ["--base", "0x10000000", "--verify-only"])
        #expect(different.exitCode == 1)
        #expect(different.stderr.contains("verify failed at 0x10000929"), "\(different.stderr)")
    }

    @Test func aUnoIsNotAPico() throws {
        let result = try rig.underRig([rig.atelier, "flash", try rig.image("x.bin", [1, 2]).path, "--base", "0",
                                       "--board", "uno"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("board 'uno' has chip 'atmega328p'"), "\(result.stderr)")
    }
}
