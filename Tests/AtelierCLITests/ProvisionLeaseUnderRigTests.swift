import AtelierTestSupport
import Foundation
import Provisioning
import Testing

/// A station with three boards leases three units in one transaction, is killed once its first unit is written,
/// and is restarted: the leased units no board took are voided, never reused, and every board ends with exactly
/// one committed identity. A run never leases more units than it has boards, whatever `--lease` says.
@Suite(.serialized) struct ProvisionLeaseUnderRigTests {
    @Test(arguments: ["sqlite", "postgres"])
    func aKilledRunsLeaseIsVoidedAndACleanRunReturnsItsRest(ledgerKind: String) throws {
        let station = try ProvisionRigStation(count: 10)
        let ledger = ledgerKind == "sqlite" ? "sqlite:\(station.file("ledger.sqlite").path)"
            : try PostgresServer.shared().newDatabase()
        let boards = ["L0", "L1", "L2"]
        _ = try station.underRig(boards: boards, state: "state", [
            station.provisionLine(ledger: ledger, station: "k", count: 3, output: "kill",
                                  environment: "ATELIER_PROVISION_CRASH_AT=written"),
        ])
        #expect(station.exitCode("kill") == 137, "the station was not killed: \(station.log("kill.err"))")
        let leased = try openLedger(ledger).units(batch: "stations")
        #expect(leased.map(\.state) == [.written, .reserved, .reserved], "\(leased)")
        #expect(leased.map(\.sequence) == [1, 2, 3] && leased[1...].allSatisfy { $0.chipUID == nil })

        _ = try station.underRig(boards: boards, state: "state", [
            station.provisionLine(ledger: ledger, station: "k", count: 3, output: "restart"),
        ] + boards.map(station.readBackLine))
        #expect(station.exitCode("restart") == 0, "\(station.log("restart.err"))")
        let rows = try openLedger(ledger).units(batch: "stations")
        #expect(rows.map(\.sequence) == (1...UInt64(rows.count)).map { $0 }, "\(rows)")
        #expect(rows.allSatisfy { !$0.state.isOpen } && Set(rows.map(\.serial)).count == rows.count)
        // The two units no board took are void; the written one is finished or void, depending on which board
        // the restart met first.
        let failed = rows.filter { $0.state == .failed }
        #expect(failed.allSatisfy { LedgerReport.category(of: $0.cause ?? "") == "void" }, "\(failed)")
        #expect(Set(leased[1...].map(\.serial)).isSubset(of: Set(failed.map(\.serial))))
        let committed = rows.filter { $0.state == .committed }
        #expect(committed.count == 3 && Set(boards.compactMap { station.block($0)?.serial })
            == Set(committed.map(\.serial)), "\(rows)")

        // One more board with `--lease 4`: the run leases one unit, so the batch stays dense with nothing returned.
        _ = try station.underRig(boards: boards + ["FRESH"], state: "state", [
            station.provisionLine(ledger: ledger, station: "k", count: 1, board: "FRESH", output: "one")
                .replacingOccurrences(of: " --json", with: " --lease 4 --json"),
        ])
        #expect(station.exitCode("one") == 0, "\(station.log("one.err")) \(station.log("one")) \(rows)")
        let after = try openLedger(ledger).units(batch: "stations")
        #expect(after.count == rows.count + 1 && after.last?.state == .committed)
        #expect(after.map(\.sequence) == (1...UInt64(after.count)).map { $0 }, "\(after)")
    }
}
