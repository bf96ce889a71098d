import AtelierTestSupport
import Foundation
import GRDB
import Testing
@testable import Provisioning

/// Ledgers made before chip IDs are upgraded in place and then keep the one-unit-per-chip rule (the rule itself is
/// part of `LedgerContractTests`).
@Suite(.serialized)
struct LedgerChipUIDTests {
    static let run = StationRun(station: "s1", host: "h", pid: 100)

    /// A unit reserved and written on chip `chip`: the moment its chip is recorded and checked.
    func written(_ ledger: any Ledger, chip: String?) throws -> LedgerUnit {
        let unit = try ledger.reserve(batch: "b", limit: 10, firstSequence: 1, imageSHA256: "abc", run: Self.run,
                                      date: Date()) { ("b-\($0)", nil) }
        try ledger.advance(unit.id, to: .written, key: nil,
                           claim: UnitClaim(chipUID: chip, probe: nil, takenAt: Date()), date: Date())
        return try #require(try ledger.unit(serial: unit.serial))
    }

    func isConflict(_ error: any Error) -> Bool {
        if case ProvisioningError.ledgerConflict = error { return true }
        return false
    }

    /// A ledger written before chip IDs were recorded (schema version 1) opens, keeps its units, and gains the column.
    @Test func aVersionOneSQLiteLedgerIsUpgradedInPlace() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("v1-\(UUID().uuidString).sqlite").path
        let old = try DatabaseQueue(path: path)
        try old.write { db in
            try db.execute(sql: SQLiteLedger.schema)
            try db.execute(sql: """
                INSERT INTO unit (batch, sequence, serial, state, station, host, pid, image_sha256, reserved_at,
                                  updated_at) VALUES ('b', 1, 'b-1', 'committed', 's1', 'h', 1, 'abc', 0, 0)
                """)
        }
        try old.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 1") }
        try old.close()
        let ledger = try SQLiteLedger(path: path)
        #expect(try ledger.unit(serial: "b-1")?.state == .committed)
        #expect(try ledger.unit(serial: "b-1")?.chipUID == nil)
        #expect(try written(ledger, chip: "FF").serial == "b-2")
        #expect { _ = try written(ledger, chip: "FF") } throws: { isConflict($0) }
    }

    /// A PostgreSQL ledger made before chip IDs (no `chip_uid` column) gains the column and the rule when opened.
    @Test func aPostgresLedgerWithoutTheColumnIsUpgradedInPlace() throws {
        let url = try PostgresServer.shared().newDatabase()
        let old = try PostgresLedger(url: url)
        try old.run("DROP INDEX unit_chip")
        try old.run("ALTER TABLE unit DROP COLUMN chip_uid")
        try old.run("""
            INSERT INTO unit (batch, sequence, serial, state, updated_at) VALUES ('b', 1, 'b-1', 'committed', 0)
            """)
        let ledger = try PostgresLedger(url: url)
        #expect(try ledger.unit(serial: "b-1")?.chipUID == nil)
        #expect(try written(ledger, chip: "FF").chipUID == "FF")
        #expect { _ = try written(ledger, chip: "FF") } throws: { isConflict($0) }
    }
}
