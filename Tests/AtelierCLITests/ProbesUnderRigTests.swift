import Foundation
import Testing

/// `atelier probes` against emulated devices: the real USB module and libusb, with `atelier-rig exec` answering below
/// libusb (umockdev). Skipped when this checkout has no working `atelier-rig`.
struct ProbesUnderRigTests {
    static let rig = CLIRunner.locate("atelier-rig")
    static let rigWorks: Bool = {
        guard let rig else { return false }
        return (try? CLIRunner.run(rig, ["exec", "--help"], timeout: 30))?.exitCode == 0
    }()

    static func underRig(_ devices: [String], _ command: [String]) throws -> CLIRunner.Result {
        let rig = try #require(Self.rig)
        var arguments = ["exec", "--time-scale", "0"]
        for device in devices { arguments += ["--device", device] }
        return try CLIRunner.run(rig, arguments + ["--"] + command, timeout: 120)
    }

    static func probes(_ json: String) throws -> [[String: Any]] {
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return try #require(parsed as? [[String: Any]], "not a JSON array: \(json)")
    }

    @Test(.enabled(if: rigWorks, "atelier-rig exec is not available in this build"))
    func twoBootloadersWithTheSameSerialAreToldApartByPort() throws {
        let atelier = try #require(CLIRunner.locate("atelier"))
        let result = try Self.underRig(
            ["dfuse:stm32f4-discovery:serial=AAA:port=1-4.2", "dfuse:stm32f4-discovery:serial=AAA"],
            [atelier, "probes", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let probes = try Self.probes(result.stdout)
        #expect(probes.count == 2, "\(result.stdout)")
        #expect(probes.allSatisfy { $0["kind"] as? String == "dfuse" })
        #expect(probes.allSatisfy { $0["vid_pid"] as? String == "0483:df11" })
        #expect(probes.allSatisfy { $0["serial"] as? String == "AAA" })
        let ports = probes.compactMap { $0["port"] as? String }
        #expect(Set(ports).count == 2, "ports must differ: \(ports)")
        #expect(ports.contains("usb:1-4.2"), "the port asked for: \(ports)")
        #expect(ports.allSatisfy { $0.hasPrefix("usb:") })
        // The alternate-setting strings come from live GET_DESCRIPTOR control transfers: the memory map of the F407.
        let alternates = probes.flatMap { ($0["dfu_alt_settings"] as? [[String: Any]]) ?? [] }
        let names = alternates.compactMap { $0["name"] as? String }
        #expect(names.contains { $0.hasPrefix("@Internal Flash") }, "alt settings: \(names)")
    }

    @Test(.enabled(if: rigWorks, "atelier-rig exec is not available in this build"))
    func textListingShowsBothPortsAndTheSerial() throws {
        let atelier = try #require(CLIRunner.locate("atelier"))
        let result = try Self.underRig(
            ["dfuse:stm32f4-discovery:serial=AAA:port=1-4.2", "dfuse:stm32f4-discovery:serial=AAA"],
            [atelier, "probes"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("KIND") == true)
        #expect(lines.filter { $0.hasPrefix("dfuse") && $0.contains("0483:df11") && $0.contains("AAA") }.count == 2)
        #expect(!result.stdout.contains("no probe found"))
    }

    @Test(.enabled(if: rigWorks, "atelier-rig exec is not available in this build"))
    func probeSelectorFiltersTheListing() throws {
        let atelier = try #require(CLIRunner.locate("atelier"))
        let devices = ["dfuse:stm32f4-discovery:serial=AAA:port=1-4.2", "dfuse:stm32f4-discovery:serial=AAA"]
        let byPort = try Self.underRig(devices, [atelier, "probes", "--json", "--probe", "usb:1-4.2"])
        #expect(try Self.probes(byPort.stdout).compactMap { $0["port"] as? String } == ["usb:1-4.2"])
        let bySerial = try Self.underRig(devices, [atelier, "probes", "--json", "--probe", "0483:df11:aaa"])
        #expect(try Self.probes(bySerial.stdout).count == 2)
        let none = try Self.underRig(devices, [atelier, "probes", "--probe", "usb:2-1"])
        #expect(none.exitCode == 0)
        #expect(none.stdout.hasPrefix("no probe matches 'usb:2-1'; attached:\n  dfuse 0483:df11 serial AAA at usb:1-"))
    }

    /// With a USB tree and a probe (emulated), doctor's essential checks pass, so it exits 0 and names the probe.
    @Test(.enabled(if: rigWorks, "atelier-rig exec is not available in this build"))
    func doctorPassesWhereUSBIsVisible() throws {
        let atelier = try #require(CLIRunner.locate("atelier"))
        let result = try Self.underRig(["dfuse:stm32f4-discovery:serial=DOC1"], [atelier, "doctor", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let checks = try #require(report["checks"] as? [[String: Any]])
        let usb = checks.filter { $0["section"] as? String == "usb" && $0["essential"] as? Bool == true }
        #expect(usb.allSatisfy { $0["status"] as? String == "ok" }, "\(usb)")
        let probes = checks.first { $0["name"] as? String == "attached" }
        #expect((probes?["detail"] as? String)?.contains("dfuse 0483:df11 serial DOC1") == true)
        // arm-none-eabi-gcc is the other essential check; it decides the exit code on machines without it.
        let arm = checks.first { $0["name"] as? String == "arm-none-eabi-gcc" }
        #expect(result.exitCode == (arm?["status"] as? String == "ok" ? 0 : 3))
    }
}

extension ProbesUnderRigTests {
    /// Runs this very test binary under the rig, filtered to USBTests' `USBDeviceHandleRigTests`, so the USB module's
    /// handle (open, claim, alternate setting, control in/out, close) is exercised in-process against the model.
    @Test(.enabled(if: rigWorks, "atelier-rig exec is not available in this build"))
    func handleTransfersUnderTheRig() throws {
        let rig = try #require(Self.rig)
        let testBinary = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().path
        guard testBinary.hasSuffix(".xctest"), FileManager.default.isExecutableFile(atPath: testBinary) else {
            // macOS bundles are not executables; the rig is Linux-only anyway.
            return
        }
        var environment = ProcessInfo.processInfo.environment
        environment["ATELIER_UNDER_RIG"] = "1"
        let result = try CLIRunner.run(rig, [
            "exec", "--time-scale", "0", "--device", "dfuse:stm32f4-discovery:serial=HANDLE1:port=1-4.2", "--",
            testBinary, "--testing-library", "swift-testing", "--filter", "USBDeviceHandleRigTests",
        ], environment: environment, timeout: 180)
        let output = result.stdout + result.stderr
        #expect(result.exitCode == 0, "\(output)")
        #expect(output.contains("Suite USBDeviceHandleRigTests passed"), "\(output)")
        #expect(!output.contains("skipped"), "the inner tests must run, not skip: \(output)")
    }
}

extension ProbesUnderRigTests {
    @Test(.enabled(if: rigWorks, "atelier-rig exec is not available in this build"))
    func listsAUSBaspAndAnRP2040InBootselMode() throws {
        let atelier = try #require(CLIRunner.locate("atelier"))
        let result = try Self.underRig(["usbasp:uno:serial=ASP", "picoboot:pico:serial=RP2"],
                                       [atelier, "probes", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let probes = try Self.probes(result.stdout)
        let kinds = probes.map { "\($0["kind"] ?? "") \($0["vid_pid"] ?? "") \($0["serial"] ?? "")" }
        #expect(Set(kinds) == ["usbasp 16c0:05dc ASP", "picoboot 2e8a:0003 RP2"], "\(result.stdout)")
    }
}
