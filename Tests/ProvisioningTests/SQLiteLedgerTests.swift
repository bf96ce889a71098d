import Foundation
import GRDB
import Testing
@testable import Provisioning

struct SQLiteLedgerTests {
    let folder: URL
    let path: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("ledger.sqlite").path
    }

    static let run = StationRun(station: "s1", host: "h", pid: 100)

    func reserve(_ ledger: SQLiteLedger, batch: String = "b", limit: Int = 100, run: StationRun = run) throws
        -> LedgerUnit
    {
        try ledger.reserve(batch: batch, limit: limit, firstSequence: 1, imageSHA256: "abc", run: run, date: Date()) {
            ("\(batch)-\($0)", String(format: "02:00:00:00:00:%02X", $0))
        }
    }

    @Test func reservationsTakeTheCounterInOrderAndMoveThroughTheStates() throws {
        let ledger = try SQLiteLedger(path: path)
        let first = try reserve(ledger)
        let second = try reserve(ledger)
        #expect(first.serial == "b-1" && second.serial == "b-2" && first.state == .reserved)
        let key = PublicKeyRecord(algorithm: "p256", publicKey: "04aa", fingerprint: "ff")
        try ledger.advance(first.id, to: .written, key: key, date: Date())
        try ledger.advance(first.id, to: .verified, key: nil, date: Date())
        try ledger.advance(first.id, to: .committed, key: nil, date: Date())
        let stored = try #require(try ledger.unit(serial: "b-1"))
        #expect(stored.state == .committed && stored.key == key)
        #expect(stored.station == "s1" && stored.imageSHA256 == "abc")
    }

    @Test func aStateCannotBeSkippedOrLeftOnceFinal() throws {
        let ledger = try SQLiteLedger(path: path)
        let unit = try reserve(ledger)
        #expect(throws: ProvisioningError.ledgerConflict(
            "cannot move to verified unit \(unit.id): it is reserved, not written")) {
            try ledger.advance(unit.id, to: .verified, key: nil, date: Date())
        }
        try ledger.fail(unit.id, cause: "verify: mismatch", date: Date())
        #expect(throws: ProvisioningError.self) { try ledger.advance(unit.id, to: .written, key: nil, date: Date()) }
        #expect(throws: ProvisioningError.self) { try ledger.fail(unit.id, cause: "again", date: Date()) }
        #expect(try ledger.unit(serial: unit.serial)?.cause == "verify: mismatch")
    }

    @Test func aFailedSerialIsNeverHandedOutAgainAndDoesNotCountTowardTheTarget() throws {
        let ledger = try SQLiteLedger(path: path)
        let failed = try reserve(ledger, limit: 1)
        try ledger.fail(failed.id, cause: "write: unplugged", date: Date())
        let next = try reserve(ledger, limit: 1)
        #expect(next.serial == "b-2")
        #expect(throws: ProvisioningError.batchComplete(count: 1)) { _ = try reserve(ledger, limit: 1) }
    }

    @Test func theConstraintsRefuseADuplicateSerialOrMACEvenAcrossBatches() throws {
        let ledger = try SQLiteLedger(path: path)
        _ = try reserve(ledger)
        #expect {
            _ = try ledger.reserve(batch: "other", limit: 9, firstSequence: 1, imageSHA256: "x", run: Self.run,
                                   date: Date()) { _ in ("fresh", "02:00:00:00:00:01") }
        } throws: { error in
            guard case ProvisioningError.ledgerConflict(let reason) = error else { return false }
            return reason.contains("UNIQUE constraint failed: unit.mac")
        }
        // The failed transaction left nothing behind.
        #expect(try ledger.units(batch: "other").isEmpty)
    }

    @Test func orphansAreOpenUnitsOfThisStationWhoseProcessIsGone() throws {
        let ledger = try SQLiteLedger(path: path)
        let dead = try reserve(ledger, run: StationRun(station: "s1", host: "h", pid: 7))
        _ = try reserve(ledger, run: StationRun(station: "s2", host: "h", pid: 8))
        let live = try reserve(ledger, run: StationRun(station: "s1", host: "h", pid: 9))
        let mine = StationRun(station: "s1", host: "h", pid: 100)
        let orphans = try ledger.orphans(batch: "b", run: mine, isAlive: { $0 == 9 })
        #expect(orphans.map(\.id) == [dead.id])
        try ledger.adopt(dead.id, run: mine, date: Date())
        #expect(try ledger.orphans(batch: "b", run: mine, isAlive: { _ in false }).map(\.id) == [live.id])
    }

    /// Separate connections to one file take SQLite's file lock exactly as separate processes do.
    @Test func concurrentStationsNeverGetTheSameSerial() throws {
        let stations = 4
        let perStation = 50
        // No one creates the file first: the stations also race to create the schema.
        let results = Locked<[String]>([])
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: stations) { index in
            do {
                let ledger = try SQLiteLedger(path: path)
                let run = StationRun(station: "s\(index)", host: "h", pid: Int32(index))
                for _ in 0..<perStation {
                    let unit = try reserve(ledger, limit: 1_000, run: run)
                    results.withLock { $0.append(unit.serial) }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let serials = results.withLock { $0 }
        #expect(serials.count == stations * perStation)
        #expect(Set(serials).count == serials.count)
        #expect(try SQLiteLedger(path: path).units(batch: "b").map(\.sequence) == (1...200).map(UInt64.init))
    }

    /// A returned counter value the batch's counter no longer covers (its `first` moved up) is never taken.
    @Test func returnedValuesBelowTheCountersStartAreSkipped() throws {
        let ledger = try SQLiteLedger(path: path)
        let units = try ledger.lease(batch: "b", limit: 100, firstSequence: 1, count: 4, imageSHA256: "abc",
                                     run: Self.run, date: Date()) { ("b-\($0)", nil) }
        try ledger.release([units[0].id, units[1].id], run: Self.run)
        let later = try ledger.lease(batch: "b", limit: 100, firstSequence: 3, count: 2, imageSHA256: "abc",
                                     run: Self.run, date: Date()) { sequence throws(ProvisioningError) in
            guard sequence >= 3 else { throw .exhausted("the serial counter (3...99)") }
            return ("b-\(sequence)", nil)
        }
        #expect(later.map(\.sequence) == [5, 6])
    }

    @Test func anUnwritableLedgerIsTheEnvironment() {
        #expect {
            _ = try SQLiteLedger(path: "/proc/no/such/ledger.sqlite")
        } throws: { error in
            if case ProvisioningError.ledgerUnavailable = error { return true }
            return false
        }
    }
}
