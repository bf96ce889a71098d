import AtelierTestSupport
import Foundation
import Testing
@testable import Provisioning

/// The ledger contract on a real PostgreSQL server the tests start (once per test process), a database per test.
@Suite(.serialized)
struct PostgresLedgerTests {
    static let run = StationRun(station: "s1", host: "h", pid: 100)

    func reserve(_ ledger: PostgresLedger, limit: Int = 100, run: StationRun = run) throws -> LedgerUnit {
        try ledger.reserve(batch: "b", limit: limit, firstSequence: 1, imageSHA256: "abc", run: run, date: Date()) {
            ("b-\($0)", String(format: "02:00:00:00:%02X:%02X", $0 >> 8, $0 & 0xFF))
        }
    }

    @Test func theLedgerContractHoldsOnPostgreSQL() throws {
        let ledger = try PostgresLedger(url: try PostgresServer.shared().newDatabase())
        let first = try reserve(ledger, limit: 2)
        #expect(first.serial == "b-1" && first.state == .reserved && first.station == "s1")
        let key = PublicKeyRecord(algorithm: "p256", publicKey: "04aa", fingerprint: "ff")
        try ledger.advance(first.id, to: .written, key: key, date: Date())
        #expect(throws: ProvisioningError.self) { try ledger.advance(first.id, to: .committed, key: nil, date: Date()) }
        try ledger.advance(first.id, to: .verified, key: nil, date: Date())
        try ledger.advance(first.id, to: .committed, key: nil, date: Date())
        #expect(try ledger.unit(serial: "b-1")?.key == key)

        // A failed unit's serial stays used; its slot is replaced, and the target count still holds.
        let second = try reserve(ledger, limit: 2)
        try ledger.fail(second.id, cause: "verify: mismatch", date: Date())
        let third = try reserve(ledger, limit: 2)
        #expect(third.serial == "b-3")
        #expect(throws: ProvisioningError.batchComplete(count: 2)) { _ = try reserve(ledger, limit: 2) }
        #expect(try ledger.units(batch: "b").map(\.state) == [.committed, .failed, .reserved])

        #expect {
            _ = try ledger.reserve(batch: "other", limit: 5, firstSequence: 1, imageSHA256: "x", run: Self.run,
                                   date: Date()) { _ in ("b-1", nil) }
        } throws: { error in
            guard case ProvisioningError.ledgerConflict(let reason) = error else { return false }
            return reason.contains("duplicate key")
        }
    }

    @Test func fourStationsReservingAtOnceNeverShareASerial() throws {
        let stations = 4
        let perStation = 25
        let url = try PostgresServer.shared().newDatabase()
        let serials = Locked<[String]>([])
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: stations) { index in
            do {
                let ledger = try PostgresLedger(url: url)
                let run = StationRun(station: "s\(index)", host: "h", pid: Int32(index))
                for _ in 0..<perStation {
                    let unit = try reserve(ledger, limit: stations * perStation, run: run)
                    serials.withLock { $0.append(unit.serial) }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let all = serials.withLock { $0 }
        #expect(all.count == stations * perStation && Set(all).count == all.count)
        let rows = try PostgresLedger(url: url).units(batch: "b")
        #expect(rows.map(\.sequence) == (1...UInt64(stations * perStation)).map { $0 })
    }

    @Test func anUnreachableServerIsTheEnvironment() {
        #expect {
            _ = try PostgresLedger(url: "postgres://atelier@127.0.0.1:1/postgres")
        } throws: { error in
            if case ProvisioningError.ledgerUnavailable = error { return true }
            return false
        }
    }
}
