import Foundation
import Testing

/// `atelier probes` finds the rig's CMSIS-DAP v2 probe through the real USB module and libusb: by its DAPLink IDs
/// and its "CMSIS-DAP" interface string, with the serial its string descriptor gives.
@Suite struct CMSISDAPProbesUnderRigTests {
    let atelier: String
    let rig: String

    init() throws {
        atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
    }

    func underRig(_ devices: [String], _ command: [String]) throws -> CLIRunner.Result {
        var arguments = ["exec", "--time-scale", "0"]
        for device in devices { arguments += ["--device", device] }
        return try CLIRunner.run(rig, arguments + ["--"] + command, timeout: 120)
    }

    @Test func theProbeIsListedWithItsSerialAsJSONAndText() throws {
        let devices = ["cmsis-dap:nrf52840dk:serial=0240000034544E45", "cmsis-dap:stm32f4-discovery"]
        let json = try underRig(devices, [atelier, "probes", "--json"])
        #expect(json.exitCode == 0, "stderr: \(json.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8))
        let probes = try #require(parsed as? [[String: Any]], "not a JSON array: \(json.stdout)")
        #expect(probes.count == 2, "\(json.stdout)")
        #expect(probes.allSatisfy { $0["kind"] as? String == "cmsis-dap" && $0["vid_pid"] as? String == "0d28:0204" })
        let serials = probes.compactMap { $0["serial"] as? String }
        #expect(serials.contains("0240000034544E45"), "\(serials)")
        // The other probe has the rig's default: 12 upper-case hex digits, stable across runs.
        #expect(serials.contains { $0.range(of: "^[0-9A-F]{12}$", options: .regularExpression) != nil }, "\(serials)")

        let text = try underRig(devices, [atelier, "probes"])
        #expect(text.exitCode == 0, "stderr: \(text.stderr)")
        #expect(text.stdout.split(separator: "\n").contains {
            $0.hasPrefix("cmsis-dap") && $0.contains("0d28:0204") && $0.contains("0240000034544E45")
        }, "\(text.stdout)")
    }

    @Test func aSerialSelectsOneOfTwoProbes() throws {
        let devices = ["cmsis-dap:nrf52840dk:serial=DAPONE", "cmsis-dap:nrf52840dk:serial=DAPTWO"]
        let result = try underRig(devices, [atelier, "probes", "--json", "--probe", "DAPTWO"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        let probes = try #require(parsed as? [[String: Any]], "not a JSON array: \(result.stdout)")
        #expect(probes.compactMap { $0["serial"] as? String } == ["DAPTWO"])
    }
}
