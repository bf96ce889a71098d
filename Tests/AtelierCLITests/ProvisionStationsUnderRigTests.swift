import AtelierTestSupport
import Foundation
import Provisioning
import Testing

/// Four stations provisioning one batch at the same moment, each an `atelier provision` process with three
/// emulated ST-Link boards of its own, all recording in one ledger: SQLite (file locks between processes) and
/// PostgreSQL (`FOR UPDATE SKIP LOCKED`). Every board's block is read back over the probe as the judge.
@Suite(.serialized) struct ProvisionStationsUnderRigTests {
    static let stations = 4
    static let boardsPerStation = 3

    @Test(arguments: ["sqlite", "postgres"])
    func fourStationsNeverAssignASerialMACOrBoardTwice(ledgerKind: String) throws {
        let units = Self.stations * Self.boardsPerStation
        let station = try ProvisionRigStation(count: units)
        let ledger = ledgerKind == "sqlite" ? "sqlite:\(station.file("ledger.sqlite").path)"
            : try PostgresServer.shared().newDatabase()
        let boards = (0..<Self.stations).map { index in (0..<Self.boardsPerStation).map { "S\(index)B\($0)" } }
        DispatchQueue.concurrentPerform(iterations: Self.stations) { index in
            let lines = [station.provisionLine(ledger: ledger, station: "s\(index)", count: Self.boardsPerStation,
                                               output: "run-\(index)")]
                + boards[index].map(station.readBackLine) + boards[index].map(station.uidLine)
            _ = try? station.underRig(boards: boards[index], state: "state-\(index)", lines)
        }
        for index in 0..<Self.stations {
            #expect(station.exitCode("run-\(index)") == 0, "station \(index): \(station.log("run-\(index).err"))")
            #expect(station.results("run-\(index)").map { $0["result"] as? String } == ["committed", "committed",
                                                                                         "committed"])
        }

        let rows = try openLedger(ledger).units(batch: "stations")
        #expect(rows.count == units && rows.allSatisfy { $0.state == .committed }, "\(rows)")
        #expect(Set(rows.map(\.serial)).count == units)
        #expect(Set(rows.compactMap(\.mac)).count == units)
        // A board is one probe: no probe (serial and port) holds two units.
        #expect(Set(rows.compactMap(\.probe)).count == units)
        // No chip holds two units: every row records its chip's unique ID, and they all differ.
        #expect(Set(rows.compactMap(\.chipUID)).count == units, "\(rows.map(\.chipUID))")
        #expect(Set(rows.map(\.station)) == Set((0..<Self.stations).map { "s\($0)" }))

        // Every board carries exactly the identity the ledger gave it, key included.
        let byBoard = boards.joined().map { ($0, station.block($0)) }
        for (name, block) in byBoard {
            let block = try #require(block, "board \(name): \(station.log("read-\(name).log"))")
            let row = try #require(rows.first { $0.serial == block.serial }, "board \(name) has \(block.serial)")
            #expect(row.mac == block.mac?.description && row.key?.fingerprint == block.key?.publicRecord.fingerprint)
            #expect(row.probe?.contains(ProvisionRigStation.probeSerial(name)) == true, "\(name): \(row)")
            // The ledger's chip is the one the board's own ID registers name.
            let uid = try #require(station.uid(name), "board \(name): \(station.log("uid-\(name).log"))")
            #expect(row.chipUID == uid, "\(name): \(row)")
        }
        #expect(Set(byBoard.compactMap { $0.1?.serial }) == Set(rows.map(\.serial)))

        let report = try CLIRunner.run(station.atelier, ["provision", "report", station.file("batch.yaml").path,
                                                         "--ledger", ledger, "--json"])
        let decoded = try JSONDecoder().decode(LedgerReport.self, from: Data(report.stdout.utf8))
        #expect(decoded.total.count(.committed) == units && decoded.total.yield == 1)
        #expect(decoded.stations.map { $0.count(.committed) } == Array(repeating: Self.boardsPerStation,
                                                                        count: Self.stations))
    }
}
