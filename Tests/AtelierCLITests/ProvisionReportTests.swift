import AtelierTestSupport
import Foundation
import Provisioning
import Testing

/// `atelier provision report` in its three forms over real ledgers (a SQLite file, a PostgreSQL database) whose
/// rows are written through the ledger API with known times, so every figure can be checked exactly.
@Suite(.serialized) struct ProvisionReportTests {
    let work: URL
    let atelier: String

    init() throws {
        work = try CLIRunner.temporaryDirectory()
        atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        try Data(repeating: 0x5A, count: 64).write(to: work.appendingPathComponent("fw.bin"))
        try """
            name: widget
            board: stm32f4-discovery
            image: fw.bin
            base: 0x08000000
            count: 10
            identity:
              serial: {format: "W-{seq:04}", first: 1, last: 999}
            """.write(to: batchFile, atomically: true, encoding: .utf8)
    }

    var batchFile: URL { work.appendingPathComponent("batch.yaml") }

    /// Station A: units taking 1, 2 and 10 s, one verify failure. Station B: 4 s, one unit voided after a crash,
    /// one still open. Batch: 4 committed of 5 finished on a board (the void unit is no board), times 1, 2, 4, 10 s.
    func fill(_ ledger: any Ledger) throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        func unit(_ station: String, seconds: Double?, cause: String? = nil) throws {
            let run = StationRun(station: station, host: "line-1", pid: 42)
            let row = try ledger.reserve(batch: "widget", limit: 10, firstSequence: 1, imageSHA256: "ab", run: run,
                                         date: start) { (String(format: "W-%04d", $0), nil) }
            if let cause { return try ledger.fail(row.id, cause: cause, date: start.addingTimeInterval(3)) }
            guard let seconds else { return }
            for state in [UnitState.written, .verified, .committed] {
                try ledger.advance(row.id, to: state, key: nil, date: start.addingTimeInterval(seconds))
            }
        }
        try unit("A", seconds: 1)
        try unit("A", seconds: 2)
        try unit("A", seconds: nil, cause: "verify: verify failed at 0x08000100, expected 0x5A, read 0x5B")
        try unit("A", seconds: 10)
        try unit("B", seconds: 4)
        try unit("B", seconds: nil, cause: "void: the station's run 41 died in state written and the board was not "
                     + "found again; identity void, never reused")
        try unit("B", seconds: nil)
    }

    func report(_ ledger: String, _ extra: [String] = []) throws -> CLIRunner.Result {
        let result = try CLIRunner.run(atelier, ["provision", "report", batchFile.path, "--ledger", ledger] + extra)
        #expect(result.exitCode == 0, "\(result.stderr)")
        return result
    }

    @Test func theTableShowsStatesYieldTimesAndCausesPerStation() throws {
        let path = work.appendingPathComponent("ledger.sqlite").path
        try fill(SQLiteLedger(path: path))
        #expect(try report("sqlite:\(path)").stdout == """
            batch widget: 4 of 10 units committed, yield 80.0 %
            station  units  reserved  written  verified  committed  failed  void  yield    median  p95
            A        4      0         0        0         3          1       0     75.0 %   2.00 s  10.00 s
            B        3      1         0        0         1          0       1     100.0 %  4.00 s  4.00 s
            all      7      1         0        0         4          1       1     80.0 %   3.00 s  10.00 s

            failure  units  stations
            verify   1      A 1

            """)
    }

    @Test func jsonAndCSVCarryTheSameFigures() throws {
        let path = work.appendingPathComponent("ledger.sqlite").path
        try fill(SQLiteLedger(path: path))
        let json = try report("sqlite:\(path)", ["--json"])
        let decoded = try JSONDecoder().decode(LedgerReport.self, from: Data(json.stdout.utf8))
        #expect(decoded.batch == "widget" && decoded.target == 10)
        #expect(decoded.total.states == ["reserved": 1, "written": 0, "verified": 0, "committed": 4, "failed": 1])
        #expect(decoded.total.void == 1 && decoded.stations.map(\.void) == [0, 1])
        #expect(decoded.total.medianSeconds == 3 && decoded.total.p95Seconds == 10)
        #expect(decoded.total.failures == ["verify": 1])
        #expect(decoded.stations.map(\.station) == ["A", "B"] && decoded.stations.map(\.yield) == [0.75, 1])

        let csv = try report("sqlite:\(path)", ["--csv"])
        #expect(csv.stdout == """
            batch,station,units,reserved,written,verified,committed,failed,void,yield,median_s,p95_s,failures
            widget,A,4,0,0,0,3,1,0,0.7500,2.000,10.000,verify=1
            widget,B,3,1,0,0,1,0,1,1.0000,4.000,4.000,
            widget,all,7,1,0,0,4,1,1,0.8000,3.000,10.000,verify=1

            """)
    }

    @Test func aPostgreSQLLedgerReportsAlike() throws {
        let url = try PostgresServer.shared().newDatabase()
        try fill(PostgresLedger(url: url))
        let csv = try report(url, ["--csv"])
        #expect(csv.stdout.split(separator: "\n").last
                    == "widget,all,7,1,0,0,4,1,1,0.8000,3.000,10.000,verify=1")
    }

    @Test func anEmptyLedgerReportsNoYieldRatherThanZero() throws {
        let result = try report("sqlite:\(work.appendingPathComponent("empty.sqlite").path)")
        #expect(result.stdout.hasPrefix("batch widget: 0 of 10 units committed, yield -\n"))
        let total = "all      0      0         0        0         0          0       0     -      -       -\n"
        #expect(result.stdout.hasSuffix(total))
    }

    @Test func unitsListsEveryUnitWithItsChipIDInAllThreeForms() throws {
        let path = work.appendingPathComponent("units.sqlite").path
        let ledger = try SQLiteLedger(path: path)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let key = KeyPair.generate(.p256)
        let run = StationRun(station: "A", host: "line-1", pid: 42, probe: "stlink 0483:3748 serial X at usb:1-2")
        let first = try ledger.reserve(batch: "widget", limit: 10, firstSequence: 1, imageSHA256: "ab", run: run,
                                       date: start) { _ in ("W-0001", "02:00:00:00:00:01") }
        try ledger.advance(first.id, to: .written, key: key.publicRecord,
                           claim: UnitClaim(chipUID: "0A0B0C0D", probe: run.probe, takenAt: start),
                           date: start.addingTimeInterval(1))
        let second = try ledger.reserve(batch: "widget", limit: 10, firstSequence: 1, imageSHA256: "ab", run: run,
                                        date: start) { _ in ("W-0002", nil) }
        try ledger.fail(second.id, cause: "verify: it, differed", date: start.addingTimeInterval(2))

        let text = try report("sqlite:\(path)", ["--units"]).stdout
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(text)")
        #expect(lines[0].hasPrefix("serial  state    mac") && lines[0].contains("chip id"))
        #expect(lines[1].hasPrefix("W-0001  written  02:00:00:00:00:01") && lines[1].contains("0A0B0C0D"))
        #expect(lines[1].contains(String(key.fingerprint.prefix(16))) && lines[1].contains("2027-01-15T08:00:01.000Z"))
        #expect(lines[2].hasPrefix("W-0002  failed") && lines[2].hasSuffix("verify: it, differed"))

        let csv = try report("sqlite:\(path)", ["--units", "--csv"]).stdout
        #expect(csv == """
            batch,serial,sequence,mac,state,cause,station,host,probe,chip_uid,fingerprint,reserved_at,updated_at
            widget,W-0001,1,02:00:00:00:00:01,written,,A,line-1,stlink 0483:3748 serial X at usb:1-2,0A0B0C0D,\
            \(key.fingerprint),2027-01-15T08:00:00.000Z,2027-01-15T08:00:01.000Z
            widget,W-0002,2,,failed,"verify: it, differed",A,line-1,stlink 0483:3748 serial X at usb:1-2,,,\
            2027-01-15T08:00:00.000Z,2027-01-15T08:00:02.000Z

            """)

        let json = try report("sqlite:\(path)", ["--units", "--json"]).stdout
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let units = try #require(document["units"] as? [[String: Any]])
        #expect(document["batch"] as? String == "widget" && units.count == 2)
        #expect(units[0]["chip_uid"] as? String == "0A0B0C0D" && units[0]["fingerprint"] as? String == key.fingerprint)
        #expect(units[1]["chip_uid"] == nil && units[1]["cause"] as? String == "verify: it, differed")
        // The private half never reaches any form of the report.
        let secret = key.privateKey.map { String(format: "%02x", $0) }.joined()
        for output in [text, csv, json] { #expect(!output.lowercased().contains(secret)) }
    }

    @Test func jsonAndCSVTogetherAreAUsageError() throws {
        let result = try CLIRunner.run(atelier, ["provision", "report", batchFile.path, "--json", "--csv"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("--json and --csv are exclusive"))
    }

    /// `allocate` takes units as a station does: leases of `--lease` units, never more than `--count` in all, and
    /// says its lease size; the batch's count still bounds it.
    @Test(arguments: ["sqlite", "postgres"]) func allocateLeasesAsAStationDoes(ledgerKind: String) throws {
        let ledger = ledgerKind == "sqlite" ? "sqlite:\(work.appendingPathComponent("alloc.sqlite").path)"
            : try PostgresServer.shared().newDatabase()
        let allocate = ["provision", "allocate", batchFile.path, "--ledger", ledger, "--station", "a"]
        let result = try CLIRunner.run(atelier, allocate + ["--count", "7", "--lease", "3"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let line = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(line?["units"] as? Int == 7 && line?["lease"] as? Int == 3, "\(result.stdout)")
        let rows = try (ledgerKind == "sqlite" ? SQLiteLedger(path: String(ledger.dropFirst(7))) as any Ledger
            : PostgresLedger(url: ledger)).units(batch: "widget")
        #expect(rows.map(\.sequence) == (1...7).map { UInt64($0) } && rows.allSatisfy { $0.state == .reserved })
        let rest = try CLIRunner.run(atelier, allocate + ["--count", "5"])
        #expect(rest.exitCode == 1 && rest.stderr.contains("the batch has its 10 units"), "\(rest.stderr)")
        #expect(try CLIRunner.run(atelier, allocate + ["--lease", "0"]).exitCode == 2)
    }
}

