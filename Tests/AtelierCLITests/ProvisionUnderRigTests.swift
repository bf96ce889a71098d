import Foundation
import Provisioning
import Testing

/// `atelier provision` through the real USB module against the virtual rig's STM32F4 DfuSe bootloader: identity
/// blocks read back by dfu-util, stations killed with SIGKILL between ledger states, and two stations sharing one
/// SQLite ledger.
@Suite(.serialized) struct ProvisionUnderRigTests {
    let work: URL
    let atelier: String
    let rig: String
    static let blockAddress = 0x080E_0000

    init() throws {
        work = try CLIRunner.temporaryDirectory()
        atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
        try Data((0..<24_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }).write(to: file("fw.bin"))
        try batch(count: 5)
        let rows = (1...20).map { String(format: "AT-%06d,%d,1.%02d", $0, $0 * 3, $0) }
        try ("serial,adc_offset,adc_gain\n" + rows.joined(separator: "\n") + "\n")
            .write(to: file("cal.csv"), atomically: true, encoding: .utf8)
    }

    func file(_ name: String) -> URL { work.appendingPathComponent(name) }
    var ledgerPath: String { file("ledger.sqlite").path }

    func batch(count: Int) throws {
        try """
            name: widget
            board: stm32f4-discovery
            image: fw.bin
            base: 0x08000000
            count: \(count)
            identity:
              serial: {format: "AT-{seq:06}", first: 1, last: 999}
              mac: {first: "02:A7:00:00:00:00", last: "02:A7:00:00:00:FF"}
              key: p256
              values: {csv: cal.csv, columns: [adc_offset, adc_gain]}
            """.write(to: file("batch.yaml"), atomically: true, encoding: .utf8)
    }

    func underRig(_ command: [String], state: String, devices: [String], environment: [String: String] = [:])
        throws -> CLIRunner.Result
    {
        var arguments = ["exec", "--time-scale", "0", "--state", file(state).path]
        for device in devices { arguments += ["--device", "dfuse:stm32f4-discovery:serial=\(device)"] }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return try CLIRunner.run(rig, arguments + ["--"] + command, environment: merged)
    }

    func provision(state: String = "rig", devices: [String] = ["F4A"], _ extra: [String] = [],
                   environment: [String: String] = [:]) throws -> CLIRunner.Result {
        try underRig([atelier, "provision", file("batch.yaml").path, "--ledger", "sqlite:\(ledgerPath)",
                      "--station", "s1", "--json"] + extra, state: state, devices: devices, environment: environment)
    }

    /// The identity block as dfu-util reads it off the board: an independent judge of what was written.
    func blockOnBoard(state: String = "rig", device: String = "F4A") throws -> IdentityBlock {
        let upload = file("block-\(UUID().uuidString).bin")
        let dfu = try underRig(["dfu-util", "-a", "0", "-s", "0x080E0000:1024", "-U", upload.path],
                               state: state, devices: [device])
        #expect(dfu.exitCode == 0, "\(dfu.stderr)")
        return try IdentityBlock(decoding: Array(try Data(contentsOf: upload)))
    }

    func units() throws -> [LedgerUnit] { try SQLiteLedger(path: ledgerPath).units(batch: "widget") }

    func lastJSON(_ result: CLIRunner.Result) throws -> [String: Any] {
        let line = try #require(result.stdout.split(separator: "\n").last, "no output; stderr: \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func aBoardIsProvisionedOnceAndItsBlockReadsBackValid() throws {
        let first = try provision()
        #expect(first.exitCode == 0, "\(first.stderr)")
        let report = try lastJSON(first)
        #expect(report["result"] as? String == "committed" && report["serial"] as? String == "AT-000001")
        let block = try blockOnBoard()
        #expect(block.serial == "AT-000001" && block.mac?.description == "02:A7:00:00:00:00")
        #expect(block.values == [UnitValue(name: "adc_offset", value: "3"), UnitValue(name: "adc_gain", value: "1.01")])
        #expect(report["fingerprint"] as? String == block.key?.fingerprint)
        // The private key reached the board and nothing else: not the output, not the ledger file.
        let secret = try #require(block.key?.privateKey).map { String(format: "%02x", $0) }.joined()
        #expect(!first.stdout.contains(secret) && !first.stderr.contains(secret))
        let ledgerBytes = try Data(contentsOf: URL(fileURLWithPath: ledgerPath))
            + ((try? Data(contentsOf: URL(fileURLWithPath: ledgerPath + "-wal"))) ?? Data())
        #expect(ledgerBytes.range(of: Data(secret.utf8)) == nil)
        #expect(ledgerBytes.range(of: Data(try #require(block.key?.privateKey))) == nil)

        let again = try provision()
        #expect(again.exitCode == 0, "\(again.stderr)")
        #expect(try lastJSON(again)["result"] as? String == "already-provisioned")
        #expect(try units().count == 1)
    }

    /// Where the station dies, and what the ledger must say after a restart with the same board attached.
    static let crashes: [(point: String, states: [UnitState])] = [
        ("reserved", [.failed, .committed]),  // nothing on the board yet: voided, a new serial
        ("writing", [.failed, .committed]),  // a half-written board: voided, a new serial
        ("written", [.committed]),  // the board holds the block: verified and committed
        ("verified", [.committed]),
    ]

    @Test(arguments: 0..<crashes.count) func aStationKilledMidUnitIsRecoveredOnRestart(_ index: Int) throws {
        let (point, states) = Self.crashes[index]
        let killed = try provision(environment: ["ATELIER_PROVISION_CRASH_AT": point])
        #expect(killed.exitCode != 0, "the crash hook did not fire at \(point)")
        let restarted = try provision()
        #expect(restarted.exitCode == 0, "\(restarted.stderr)")
        let rows = try units()
        #expect(rows.map(\.state) == states, "\(rows)")
        #expect(Set(rows.map(\.serial)).count == rows.count)
        let committed = try #require(rows.last)
        #expect(try blockOnBoard().serial == committed.serial)
        #expect(try lastJSON(restarted)["result"] as? String == (states.count == 1 ? "resumed" : "committed"))
        if states.count == 2 { #expect(rows[0].cause?.contains("identity void") == true) }
    }

    @Test func twoStationsOnOneLedgerNeverHandOutTheSameSerialOrMAC() throws {
        try batch(count: 6)
        let box = ResultBox([nil, nil])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let name = index == 0 ? "A" : "B"
            let result = try? underRig(
                [atelier, "provision", file("batch.yaml").path, "--ledger", "sqlite:\(ledgerPath)",
                 "--station", "station-\(name)", "--count", "3"],
                state: "rig\(name)", devices: (1...3).map { "\(name)\($0)" })
            box.set(index, result)
        }
        for result in box.all { #expect(result?.exitCode == 0, "\(result?.stderr ?? "did not run")") }
        let rows = try units()
        #expect(rows.count == 6 && rows.allSatisfy { $0.state == .committed })
        #expect(Set(rows.map(\.serial)).count == 6 && Set(rows.compactMap(\.mac)).count == 6)
        #expect(Set(rows.map(\.station)) == ["station-A", "station-B"])
    }

    @Test func aBoardThatDoesNotVerifyIsRejectedAndItsSerialNeverReused() throws {
        let flaky = try provision(state: "flaky", devices: ["F4F:fault=bitflip-readback=0x08000100"])
        #expect(flaky.exitCode == 1, "\(flaky.stderr)")
        #expect(try lastJSON(flaky)["result"] as? String == "rejected")
        let good = try provision()
        #expect(good.exitCode == 0, "\(good.stderr)")
        let rows = try units()
        #expect(rows.map(\.state) == [.failed, .committed])
        #expect(rows.map(\.serial) == ["AT-000001", "AT-000002"])
        #expect(rows[0].cause?.contains("verify failed at 0x08000100") == true)
    }

    @Test func aBrokenBatchIsBadInputNamingTheLine() throws {
        try "board: stm32f4-discovery\nimage: fw.bin\ncount: 1\nidentity:\n  serial: {format: \"X\"}\n"
            .write(to: file("batch.yaml"), atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(atelier, ["provision", file("batch.yaml").path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("batch.yaml:5: serial format: the format needs exactly one {seq} counter"))
    }

    @Test func anUnreachableLedgerIsTheEnvironment() throws {
        let result = try CLIRunner.run(atelier, ["provision", file("batch.yaml").path,
                                                 "--ledger", "sqlite:/proc/nowhere/ledger.sqlite"])
        #expect(result.exitCode == 3, "\(result.stderr)")
        #expect(result.stderr.contains("the ledger is unavailable"))
    }
}

/// Results written by concurrent closures, each to its own index.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [CLIRunner.Result?]

    init(_ results: [CLIRunner.Result?]) { self.results = results }

    func set(_ index: Int, _ result: CLIRunner.Result?) { lock.withLock { results[index] = result } }

    var all: [CLIRunner.Result?] { lock.withLock { results } }
}
