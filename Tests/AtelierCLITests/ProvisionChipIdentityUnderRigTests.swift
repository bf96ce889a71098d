import Foundation
import Provisioning
import Testing

/// The chip unique ID the ledger records for each kind of programmer, under the virtual rig: the nRF52840's FICR
/// DEVICEID through CMSIS-DAP (judged by `atelier read` at 0x10000060), the STM32 system bootloader's USB serial
/// through DfuSe (judged by dfu-util's listing), and none through PICOBOOT. A station killed after 'written' is
/// resumed on restart only where the chip names itself; without an ID its unit is voided.
@Suite(.serialized) struct ProvisionChipIdentityUnderRigTests {
    let work: URL
    let atelier: String
    let rig: String

    init() throws {
        work = try CLIRunner.temporaryDirectory()
        atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
        try Data((0..<8_000).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ 1) }).write(to: file("fw.bin"))
    }

    func file(_ name: String) -> URL { work.appendingPathComponent(name) }
    var ledger: String { "sqlite:\(file("ledger.sqlite").path)" }

    /// A batch for `board` whose identity block goes to the default place, the flash's last sector.
    func batch(board: String, base: String) throws -> String {
        let path = file("\(board).yaml")
        try """
            name: ids
            board: \(board)
            image: fw.bin
            base: \(base)
            count: 10
            identity:
              serial: {format: "ID-{seq:04}", first: 1, last: 9999}
              key: p256
            """.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    func underRig(_ devices: [String], _ command: [String], environment: [String: String] = [:])
        throws -> CLIRunner.Result
    {
        var arguments = ["exec", "--time-scale", "0", "--state", file("state").path]
        for device in devices { arguments += ["--device", device] }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return try CLIRunner.run(rig, arguments + ["--"] + command, environment: merged, timeout: 300)
    }

    /// One `atelier provision` of one unit on the board behind `probe`; its last JSON line, the result.
    func provision(_ batch: String, devices: [String], probe: String, crashAt: String? = nil) throws
        -> (result: CLIRunner.Result, json: [String: Any])
    {
        let result = try underRig(devices, [atelier, "provision", batch, "--ledger", ledger, "--station", "s",
                                            "--probe", probe, "--json"],
                                  environment: crashAt.map { ["ATELIER_PROVISION_CRASH_AT": $0] } ?? [:])
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? "{}"
        return (result, (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:])
    }

    func units() throws -> [LedgerUnit] {
        try SQLiteLedger(path: file("ledger.sqlite").path).units(batch: "ids")
    }

    /// Killed right after 'written', then restarted with the same board: the result of the restart.
    func killedAndRestarted(_ batch: String, devices: [String], probe: String) throws -> [String: Any] {
        let killed = try provision(batch, devices: devices, probe: probe, crashAt: "written")
        #expect(killed.result.exitCode != 0, "the crash hook did not fire: \(killed.result.stderr)")
        let restarted = try provision(batch, devices: devices, probe: probe)
        #expect(restarted.result.exitCode == 0, "\(restarted.result.stderr)")
        return restarted.json
    }

    @Test func nrf52840BoardsRecordTheirFICRDeviceIDAndResumeOnTheSameChip() throws {
        let batch = try batch(board: "nrf52840dk", base: "0x00000000")
        let devices = ["cmsis-dap:nrf52840dk:serial=NRFA", "cmsis-dap:nrf52840dk:serial=NRFB"]
        let resumed = try killedAndRestarted(batch, devices: devices, probe: "NRFA")
        #expect(resumed["result"] as? String == "resumed", "\(resumed)")
        let other = try provision(batch, devices: devices, probe: "NRFB")
        #expect(other.json["result"] as? String == "committed", "\(other.result.stderr)")

        // The judge: the 8 bytes at FICR DEVICEID as `atelier read` gets them through the probe.
        var read: [String: String] = [:]
        for name in ["NRFA", "NRFB"] {
            let out = file("uid-\(name).bin")
            let result = try underRig(devices, [atelier, "read", "0x10000060", "8", "--probe", name, "-o", out.path])
            #expect(result.exitCode == 0, "\(result.stderr)")
            read[name] = try Data(contentsOf: out).map { String(format: "%02X", $0) }.joined()
        }
        #expect(resumed["chip_uid"] as? String == read["NRFA"] && other.json["chip_uid"] as? String == read["NRFB"])
        #expect(read["NRFA"]?.count == 16 && read["NRFA"] != read["NRFB"], "\(read)")
        let rows = try units()
        #expect(rows.map(\.state) == [.committed, .committed] && rows.map(\.chipUID) == [read["NRFA"], read["NRFB"]])
    }

    @Test func dfuseBoardsRecordTheBootloadersSerialAndResumeOnTheSameChip() throws {
        let batch = try batch(board: "stm32f4-discovery", base: "0x08000000")
        let devices = ["dfuse:stm32f4-discovery", "dfuse:stm32f4-discovery"]
        // The judge: the serials dfu-util lists, which the rig derives from each chip's seeded UID.
        let listing = try underRig(devices, ["dfu-util", "-l"])
        let serials = Set(listing.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: #"serial="[0-9A-F]+""#, options: .regularExpression) else { return nil }
            return String(line[range].dropFirst("serial=\"".count).dropLast())
        }).sorted()
        #expect(serials.count == 2 && serials.allSatisfy { $0.count == 12 }, "\(listing.stdout)")
        guard serials.count == 2 else { return }

        let resumed = try killedAndRestarted(batch, devices: devices, probe: serials[0])
        #expect(resumed["result"] as? String == "resumed", "\(resumed)")
        #expect(resumed["chip_uid"] as? String == serials[0])
        let other = try provision(batch, devices: devices, probe: serials[1])
        #expect(other.json["result"] as? String == "committed" && other.json["chip_uid"] as? String == serials[1],
                "\(other.result.stderr)")
        #expect(try units().map(\.chipUID) == serials)
    }

    @Test func aPicoRecordsNoChipIDSoADeadRunsUnitIsVoided() throws {
        let batch = try batch(board: "pico", base: "0x10000000")
        let devices = ["picoboot:pico:serial=RP2A"]
        let restarted = try killedAndRestarted(batch, devices: devices, probe: "RP2A")
        // The boot ROM's serial is the same on every RP2040, so the written block proves nothing about the chip.
        #expect(restarted["result"] as? String == "committed", "\(restarted)")
        #expect(restarted["chip_uid"] == nil && restarted["serial"] as? String == "ID-0002")
        let rows = try units()
        #expect(rows.map(\.state) == [.failed, .committed] && rows.allSatisfy { $0.chipUID == nil }, "\(rows)")
        #expect(LedgerReport.category(of: rows[0].cause ?? "") == "void")
        let again = try provision(batch, devices: devices, probe: "RP2A")
        #expect(again.json["result"] as? String == "already-provisioned", "\(again.result.stderr)")
    }
}
