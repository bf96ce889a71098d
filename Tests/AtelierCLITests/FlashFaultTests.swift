import Foundation
import Testing

/// `atelier flash` against the rig's STM32F4 DfuSe bootloader with each injected fault: every fault ends in a
/// message naming the address and what to do, exit 1 (the device said no) or 3 (the environment), and never a
/// reported success; one stall is retried once and the result verified.
@Suite(.serialized) struct FlashFaultTests {
    let rig: RigFlashSession
    let bytes = RigFlashSession.random(40_000, seed: 11)

    init() throws {
        rig = try RigFlashSession(device: "dfuse:stm32f4-discovery:serial=FAULTS", board: "stm32f4-discovery")
    }

    func expectNoSuccess(_ result: CLIRunner.Result) {
        #expect(!result.stdout.contains("flashed"), "\(result.stdout)")
        #expect(!result.stdout.contains("\"report\""), "\(result.stdout)")
    }

    @Test func anUnplugMidWriteIsExit3AndNamesWhereAndWhatMayBeHalfWritten() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), faults: ["unplug-after=24K"])
        #expect(result.exitCode == 3)
        expectNoSuccess(result)
        #expect(result.stderr.contains("the device disappeared during program at 0x08001800, after 6144 bytes "
            + "written: check the cable and the hub, replug the device; the flash at 0x08000000..0x08003FFF may be "
            + "half-written, so flash again"), "\(result.stderr)")
    }

    @Test func anUnplugWhileReadingSaysNothingWasWritten() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), faults: ["unplug-after=8K"])
        #expect(result.exitCode == 3)
        expectNoSuccess(result)
        #expect(result.stderr.contains("the device disappeared during read at 0x08002000"), "\(result.stderr)")
        #expect(result.stderr.contains("after 0 bytes written"))
    }

    @Test func oneStallIsRetriedOnceAndTheResultVerified() throws {
        let file = try rig.image("fw.bin", bytes)
        let result = try rig.flash(file, ["--json"], faults: ["stall-after=20000"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let report = try RigFlashSession.report(result)
        #expect(report["retries"] as? Int == 1)
        #expect(report["bytes_verified"] as? Int ?? 0 >= 40_000)
        #expect(result.stdout.contains("\"event\":\"retrying\""))
        #expect(Array(try rig.dfuUtilUpload(["-s", "0x08000000:40000"])) == bytes)
    }

    @Test func aRetryIsVerifiedEvenWithNoVerify() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), ["--no-verify", "--json"], faults: ["stall"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let report = try RigFlashSession.report(result)
        #expect(report["retries"] as? Int == 1)
        #expect(report["bytes_verified"] as? Int ?? 0 > 0)
    }

    @Test func aSecondStallOnTheRetryIsExit3() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), faults: ["stall-after=20000", "stall-after=20000"])
        #expect(result.exitCode == 3)
        expectNoSuccess(result)
        #expect(result.stderr.contains("retrying program at 0x08000800 once"))
        #expect(result.stderr.contains("the device stalled program at 0x08000800, after 2048 bytes written, and "
            + "again when retried: reset the board into its bootloader; the flash at 0x08000000..0x08003FFF may be "
            + "half-written"), "\(result.stderr)")
    }

    @Test func aDeviceThatStopsAnsweringIsExit3AfterTheTimeout() throws {
        let started = Date()
        let result = try rig.flash(try rig.image("fw.bin", bytes), faults: ["timeout-after=24K"])
        #expect(result.exitCode == 3)
        expectNoSuccess(result)
        #expect(result.stderr.contains("the device stopped answering during program at 0x08001800, after 6144 bytes "
            + "written: replug or power-cycle the board; the flash at 0x08000000..0x08003FFF may be half-written"),
            "\(result.stderr)")
        #expect(result.stderr.contains("timed out after 5000 ms"))
        #expect(Date().timeIntervalSince(started) >= 5)
    }

    @Test func aBitFlipOnReadBackIsAVerifyFailureAndTheFlashIsRight() throws {
        let file = try rig.image("fw.bin", bytes)
        let result = try rig.flash(file, faults: ["bitflip-readback=0x08004010"])
        #expect(result.exitCode == 1)
        expectNoSuccess(result)
        let expected = String(format: "0x%02X", bytes[0x4010])
        #expect(result.stderr.contains("verify failed at 0x08004010: the image has \(expected)"), "\(result.stderr)")
        // The fault is in the read path only: without it, the sectors written so far verify (the run stopped at
        // sector 1, so sector 2 was never written).
        let again = try rig.flash(try rig.image("written.bin", Array(bytes.prefix(0x8000))), ["--verify-only"])
        #expect(again.exitCode == 0, "\(again.stderr)")
    }

    @Test func aBitFlipAtTheFirstByteReadFailsVerification() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), faults: ["bitflip-readback"])
        #expect(result.exitCode == 1)
        expectNoSuccess(result)
        #expect(result.stderr.contains("verify failed at 0x08000000"), "\(result.stderr)")
    }

    @Test func aWriteProtectedSectorIsExit1NamingTheAddressAndTheFix() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), faults: ["write-protect=1"])
        #expect(result.exitCode == 1)
        expectNoSuccess(result)
        #expect(result.stderr.contains("program at 0x08004000 failed"), "\(result.stderr)")
        #expect(result.stderr.contains("errTARGET"))
        #expect(result.stderr.contains("write-protected"))
        // Sector 0 came before the protected one and was written and verified.
        #expect(Array(try rig.dfuUtilUpload(["-s", "0x08000000:16384"])) == Array(bytes.prefix(16384)))
    }

    @Test func dfuUtilFailsOnTheSameFaults() throws {
        let file = try rig.image("fw.bin", bytes)
        let result = try rig.underRig(["dfu-util", "-a", "0", "-s", "0x08000000", "-D", file.path],
                                      faults: ["write-protect=1"])
        #expect(result.exitCode != 0)
        #expect(result.stderr.contains("dfuERROR") || result.stdout.contains("dfuERROR"))
    }
}

/// The same faults through the plain DFU 1.1 programmer (one stream from the device's base).
@Suite(.serialized) struct DFUFlashFaultTests {
    let rig: RigFlashSession
    let bytes = RigFlashSession.random(30_000, seed: 12)

    init() throws {
        rig = try RigFlashSession(device: "dfu:longan-nano:serial=FAULTDFU", board: "longan-nano")
    }

    @Test func anUnplugMidStreamIsExit3() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), faults: ["unplug-after=50000"])
        #expect(result.exitCode == 3)
        #expect(!result.stdout.contains("flashed"))
        #expect(result.stderr.contains("the device disappeared during write at 0x0800"), "\(result.stderr)")
        #expect(result.stderr.contains("the flash at 0x08000000..0x080077FF may be half-written"))
    }

    @Test func oneStallRestartsTheStreamOnceAndVerifies() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), ["--json"], faults: ["stall-after=40000"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(try RigFlashSession.report(result)["retries"] as? Int == 1)
        #expect(Array(try rig.dfuUtilUpload().prefix(bytes.count)) == bytes)
    }

    @Test func aBitFlipIsExit1() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), faults: ["bitflip-readback=0x08000100"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("verify failed at 0x08000100"), "\(result.stderr)")
    }

    @Test func aDeviceThatStopsAnsweringMidStreamIsExit3() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), faults: ["timeout-after=40000"])
        #expect(result.exitCode == 3)
        #expect(!result.stdout.contains("flashed"))
        #expect(result.stderr.contains("the device stopped answering during write at 0x0800"), "\(result.stderr)")
        #expect(result.stderr.contains("may be half-written"))
    }

    @Test func aBadFaultIsRefusedWithTheSyntax() throws {
        let result = try rig.underRig(["true"], faults: ["unplug-after=soon"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("bad fault 'unplug-after=soon': 'soon' is not a number; faults are "
            + "unplug-after=N"), "\(result.stderr)")
    }

    @Test func aWriteProtectedSectorIsExit1() throws {
        let result = try rig.flash(try rig.image("fw.bin", bytes), faults: ["write-protect=3"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("write at 0x08000C00 failed"), "\(result.stderr)")
        #expect(result.stderr.contains("errWRITE"))
    }
}
