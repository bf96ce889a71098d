import Foundation
import Testing

/// `atelier flash` through the plain DFU 1.1 programmer against the rig's DFU bootloader (`dfu:longan-nano`),
/// with dfu-util as the judge both ways.
@Suite(.serialized) struct DFUFlashUnderRigTests {
    let rig: RigFlashSession

    init() throws {
        rig = try RigFlashSession(device: "dfu:longan-nano:serial=PLAIN", board: "longan-nano")
    }

    @Test func whatAtelierWritesDfuUtilReadsBackIdentical() throws {
        let bytes = RigFlashSession.random(50_000, seed: 21)
        let result = try rig.flash(try rig.image("fw.bin", bytes), ["--json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(try RigFlashSession.report(result)["bytes_verified"] as? Int == 50_176)
        let back = try rig.dfuUtilUpload()
        #expect(back.count == 128 * 1024)
        #expect(Array(back.prefix(bytes.count)) == bytes)
        #expect(back[bytes.count...].allSatisfy { $0 == 0xFF })
    }

    @Test func whatDfuUtilWritesAtelierVerifiesIdentical() throws {
        let bytes = RigFlashSession.random(7_000, seed: 22)
        let file = try rig.image("peer.bin", bytes)
        let dfu = try rig.underRig(["dfu-util", "-a", "0", "-D", file.path])
        #expect(dfu.exitCode == 0, "\(dfu.stderr)")
        let same = try rig.flash(file, ["--verify-only", "--json"])
        #expect(same.exitCode == 0, "\(same.stderr)")
        #expect(try RigFlashSession.report(same)["bytes_verified"] as? Int == 7_000)
        var changed = bytes
        changed[4_321] ^= 0x10
        let different = try rig.flash(try rig.image("changed.bin", changed), ["--verify-only"])
        #expect(different.exitCode == 1)
        #expect(different.stderr.contains("verify failed at 0x080010E1"), "\(different.stderr)")
    }

    @Test func aSecondFlashOfTheSameImageWritesNothing() throws {
        let file = try rig.image("fw.bin", RigFlashSession.random(9_000, seed: 23))
        #expect(try rig.flash(file).exitCode == 0)
        let again = try rig.flash(file, ["--json"])
        #expect(again.exitCode == 0, "\(again.stderr)")
        let report = try RigFlashSession.report(again)
        #expect(report["bytes_written"] as? Int == 0)
        #expect(report["sectors_skipped"] as? Int == report["sectors_touched"] as? Int)
    }

    @Test func bytesBeforeTheImageAndAfterItInItsSectorsArePreserved() throws {
        let old = RigFlashSession.random(12_288, seed: 24)
        #expect(try rig.underRig(["dfu-util", "-a", "0", "-D", try rig.image("old.bin", old).path]).exitCode == 0)
        let patch = RigFlashSession.random(100, seed: 25)
        let result = try rig.flash(try rig.image("patch.bin", patch), base: "0x08002010")
        #expect(result.exitCode == 0, "\(result.stderr)")
        var expected = old
        expected.replaceSubrange(0x2010..<0x2074, with: patch)
        #expect(Array(try rig.dfuUtilUpload().prefix(old.count)) == expected)
    }

    @Test func anImageBelowTheDevicesBaseIsRefused() throws {
        let based = try RigFlashSession(device: "dfu:longan-nano:base=0x08004000", board: "longan-nano")
        let file = try based.image("fw.bin", RigFlashSession.random(2_000, seed: 26))
        let below = try based.flash(file)
        #expect(below.exitCode == 2)
        #expect(below.stderr.contains("the image starts at 0x08000000 but this device writes one stream from "
            + "0x08004000"), "\(below.stderr)")
        let at = try based.flash(file, base: "0x08004000")
        #expect(at.exitCode == 0, "\(at.stderr)")
    }

    @Test func massEraseIsRefusedAsUnsupported() throws {
        let result = try rig.flash(try rig.image("fw.bin", [1, 2, 3, 4]), ["--mass-erase"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("cannot mass-erase"), "\(result.stderr)")
    }
}
