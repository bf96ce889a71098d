import AtelierTestSupport
import Foundation
import GRDB
import Testing
@testable import Provisioning

/// Each unit records the chip it was reserved for, and no chip holds two units of a batch that are not failed,
/// on both ledgers.
@Suite(.serialized)
struct LedgerChipUIDTests {
    static let run = StationRun(station: "s1", host: "h", pid: 100)

    func reserve(_ ledger: any Ledger, chip: String?, batch: String = "b") throws -> LedgerUnit {
        try ledger.reserve(batch: batch, limit: 10, firstSequence: 1, imageSHA256: "abc", chipUID: chip,
                           run: Self.run, date: Date()) { ("\(batch)-\($0)", nil) }
    }

    func checkContract(_ ledger: any Ledger) throws {
        let first = try reserve(ledger, chip: "0A0B0C")
        #expect(first.chipUID == "0A0B0C")
        #expect(try ledger.unit(serial: first.serial)?.chipUID == "0A0B0C")
        #expect(throws: ProvisioningError.chipAlreadyAssigned(chipUID: "0A0B0C", serial: first.serial)) {
            _ = try reserve(ledger, chip: "0A0B0C")
        }
        // The same chip may hold a unit of another batch, and chips without an ID never collide.
        #expect(try reserve(ledger, chip: "0A0B0C", batch: "other").chipUID == "0A0B0C")
        _ = try reserve(ledger, chip: nil)
        #expect(try reserve(ledger, chip: nil).chipUID == nil)
        // Once its unit failed (void), the chip may get a new identity; the failed serial stays used.
        try ledger.fail(first.id, cause: "void", date: Date())
        let again = try reserve(ledger, chip: "0A0B0C")
        #expect(again.serial != first.serial && again.chipUID == "0A0B0C")
        let open = try ledger.units(batch: "b").filter { $0.state != .failed && $0.chipUID != nil }
        #expect(open.map(\.chipUID) == ["0A0B0C"])
    }

    @Test func sqliteRecordsTheChipAndRefusesItTwice() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chip-\(UUID().uuidString).sqlite")
        try checkContract(try SQLiteLedger(path: path.path))
    }

    @Test func postgresRecordsTheChipAndRefusesItTwice() throws {
        try checkContract(try PostgresLedger(url: try PostgresServer.shared().newDatabase()))
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
        #expect(try reserve(ledger, chip: "FF").serial == "b-2")
        #expect(throws: ProvisioningError.chipAlreadyAssigned(chipUID: "FF", serial: "b-2")) {
            _ = try reserve(ledger, chip: "FF")
        }
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
        #expect(try reserve(ledger, chip: "FF").chipUID == "FF")
        #expect(throws: ProvisioningError.chipAlreadyAssigned(chipUID: "FF", serial: "b-2")) {
            _ = try reserve(ledger, chip: "FF")
        }
    }
}
