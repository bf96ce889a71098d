import Foundation
import Testing

/// `atelier flash --board uno` through the native USBasp driver against the rig's USBasp, with avrdude as the
/// judge both ways.
@Suite(.serialized) struct USBaspFlashUnderRigTests {
    let rig: RigFlashSession

    init() throws {
        rig = try RigFlashSession(device: "usbasp:uno:serial=ASP1", board: "uno")
    }

    func avrdudeRead() throws -> [UInt8] {
        let out = rig.work.appendingPathComponent("avr-\(UUID().uuidString).bin")
        let result = try rig.underRig(["avrdude", "-q", "-q", "-c", "usbasp", "-p", "m328p",
                                       "-U", "flash:r:\(out.path):r"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let bytes = [UInt8](try Data(contentsOf: out))
        // avrdude leaves out the trailing 0xFF of a raw read.
        return bytes + [UInt8](repeating: 0xFF, count: 32_768 - bytes.count)
    }

    @Test func whatAtelierWritesAvrdudeReadsBackIdenticalAndTheFusesAreShown() throws {
        let bytes = RigFlashSession.random(20_000, seed: 31)
        let result = try rig.flash(try rig.image("fw.bin", bytes), base: "0")
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("fuses low 0xFF, high 0xDE, extended 0xFD, lock 0xFF"), "\(result.stdout)")
        #expect(try avrdudeRead() == bytes + [UInt8](repeating: 0xFF, count: 32_768 - bytes.count))
    }

    @Test func whatAvrdudeWritesAtelierVerifiesIdentical() throws {
        let bytes = RigFlashSession.random(5_000, seed: 32)
        let file = try rig.image("peer.bin", bytes)
        let peer = try rig.underRig(["avrdude", "-q", "-q", "-c", "usbasp", "-p", "m328p",
                                     "-U", "flash:w:\(file.path):r"])
        #expect(peer.exitCode == 0, "\(peer.stderr)")
        let same = try rig.flash(file, base: "0", ["--verify-only", "--json"])
        #expect(same.exitCode == 0, "\(same.stderr)")
        #expect(try RigFlashSession.report(same)["bytes_verified"] as? Int == 5_000)
        var changed = bytes
        changed[1_234] ^= 0x01
        let different = try rig.flash(try rig.image("changed.bin", changed), base: "0", ["--verify-only"])
        #expect(different.exitCode == 1)
        #expect(different.stderr.contains("verify failed at 0x000004D2"), "\(different.stderr)")
    }

    /// ISP has only a chip erase: changing programmed bytes erases the chip and writes back what was outside the
    /// image, read first.
    @Test func aPatchOverOldFirmwareErasesTheChipAndKeepsEverythingElse() throws {
        let old = RigFlashSession.random(12_000, seed: 33)
        #expect(try rig.flash(try rig.image("old.bin", old), base: "0").exitCode == 0)
        let patch = RigFlashSession.random(300, seed: 34)
        let result = try rig.flash(try rig.image("patch.bin", patch), base: "0x1010", ["--json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let report = try RigFlashSession.report(result)
        #expect(report["mass_erased"] as? Bool == true)
        var expected = old + [UInt8](repeating: 0xFF, count: 32_768 - old.count)
        expected.replaceSubrange(0x1010..<0x113C, with: patch)
        #expect(try avrdudeRead() == expected)
    }

    @Test func writingIntoBlankPagesNeedsNoErase() throws {
        let first = RigFlashSession.random(1_000, seed: 35)
        #expect(try rig.flash(try rig.image("a.bin", first), base: "0").exitCode == 0)
        let second = RigFlashSession.random(512, seed: 36)
        let result = try rig.flash(try rig.image("b.bin", second), base: "0x4000", ["--json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let report = try RigFlashSession.report(result)
        #expect(report["mass_erased"] as? Bool == false)
        #expect(report["bytes_written"] as? Int == 512)
        let back = try avrdudeRead()
        #expect(Array(back.prefix(1_000)) == first)
        #expect(Array(back[0x4000..<0x4200]) == second)
        let again = try rig.flash(try rig.image("b.bin", second), base: "0x4000", ["--json"])
        #expect(try RigFlashSession.report(again)["bytes_written"] as? Int == 0)
    }
}

extension USBaspFlashUnderRigTests {
    /// Chip Erase clears the EEPROM too on an Uno (EESAVE unprogrammed); atelier flashes flash only, so it puts
    /// the EEPROM back, and avrdude reads it unchanged.
    @Test func theChipEraseLeavesTheEEPROMAsItWas() throws {
        let eeprom = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 11 + 1) | 0x01 }
        let file = try rig.image("ee.bin", eeprom)
        let write = try rig.underRig(["avrdude", "-q", "-q", "-c", "usbasp", "-p", "m328p", "-D",
                                      "-U", "eeprom:w:\(file.path):r"])
        #expect(write.exitCode == 0, "\(write.stderr)")
        #expect(try rig.flash(try rig.image("a.bin", RigFlashSession.random(600, seed: 37)), base: "0").exitCode == 0)
        let patch = try rig.flash(try rig.image("b.bin", RigFlashSession.random(600, seed: 38)), base: "0",
                                  ["--json"])
        #expect(try RigFlashSession.report(patch)["mass_erased"] as? Bool == true)
        let out = rig.work.appendingPathComponent("ee-out.bin")
        let read = try rig.underRig(["avrdude", "-q", "-q", "-c", "usbasp", "-p", "m328p",
                                     "-U", "eeprom:r:\(out.path):r"])
        #expect(read.exitCode == 0, "\(read.stderr)")
        #expect(Array([UInt8](try Data(contentsOf: out)).prefix(300)) == eeprom)
    }
}
