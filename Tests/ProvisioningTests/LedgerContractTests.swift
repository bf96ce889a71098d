import AtelierTestSupport
import FirmwareImage
import Foundation
import Testing
@testable import Provisioning

/// The `Ledger` contract, checked on both implementations: SQLite (a file) and PostgreSQL (a real server the tests
/// start). Each case gets a fresh store and opens it as many times as it has stations.
@Suite(.serialized)
struct LedgerContractTests {
    static let kinds = ["sqlite", "postgres"]
    static let station = StationRun(station: "s1", host: "h", pid: 100)

    /// Opens a fresh store of `kind`; the closure opens another connection to that same store, as a station does.
    func store(_ kind: String) throws -> @Sendable () throws -> any Ledger {
        if kind == "postgres" {
            let url = try PostgresServer.shared().newDatabase()
            return { try PostgresLedger(url: url) }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString)")
            .appendingPathExtension("sqlite").path
        return { try SQLiteLedger(path: path) }
    }

    func lease(_ ledger: any Ledger, _ count: Int, limit: Int = 100, run: StationRun = station) throws
        -> [LedgerUnit]
    {
        try ledger.lease(batch: "b", limit: limit, firstSequence: 1, count: count, imageSHA256: "abc", run: run,
                         date: Date()) { ("b-\($0)", String(format: "02:00:00:00:%02X:%02X", $0 >> 8, $0 & 0xFF)) }
    }

    func claim(_ chip: String?) -> UnitClaim { UnitClaim(chipUID: chip, probe: "p", takenAt: Date()) }

    @Test(arguments: kinds) func aLeaseIsReservedRowsWithoutProbeOrChipAndTwoStationsNeverOverlap(kind: String)
        throws
    {
        let open = try store(kind)
        let first = try lease(try open(), 5)
        let other = StationRun(station: "s2", host: "h", pid: 200)
        let second = try lease(try open(), 5, run: other)
        #expect(first.map(\.sequence) == [1, 2, 3, 4, 5] && second.map(\.sequence) == [6, 7, 8, 9, 10])
        #expect(first.allSatisfy { $0.state == .reserved && $0.probe == nil && $0.chipUID == nil && $0.pid == 100 })
        #expect(second.allSatisfy { $0.station == "s2" })
        #expect(try open().units(batch: "b").map(\.serial) == (1...10).map { "b-\($0)" })
    }

    /// Four stations, each with its own connection, leasing 7 at a time at once: nothing shared, nothing skipped.
    @Test(arguments: kinds) func concurrentLeasesAreDisjointAndDense(kind: String) throws {
        let open = try store(kind)
        let taken = Locked<[UInt64]>([])
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            do {
                let ledger = try open()
                let run = StationRun(station: "s\(index)", host: "h", pid: Int32(index + 1))
                for _ in 0..<5 {
                    let units = try lease(ledger, 7, limit: 1_000, run: run)
                    taken.withLock { $0 += units.map(\.sequence) }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(taken.withLock { $0 }.sorted() == (1...140).map { UInt64($0) })
    }

    @Test(arguments: kinds) func aLeaseNeverPassesTheBatchCountAndFailedUnitsFreeTheirPlace(kind: String) throws {
        let ledger = try store(kind)()
        #expect(try lease(ledger, 8, limit: 10).count == 8)
        let rest = try lease(ledger, 8, limit: 10, run: StationRun(station: "s2", host: "h", pid: 200))
        #expect(rest.map(\.sequence) == [9, 10])
        #expect(throws: ProvisioningError.batchComplete(count: 10)) { _ = try lease(ledger, 1, limit: 10) }
        // A failed unit no longer counts toward the target, and its serial is never handed out again.
        try ledger.fail(rest[0].id, cause: "verify: mismatch", date: Date())
        #expect(try lease(ledger, 8, limit: 10).map(\.sequence) == [11])
    }

    @Test(arguments: kinds) func aLeaseEndsWhereTheCounterRangeEnds(kind: String) throws {
        let ledger = try store(kind)()
        let units = try ledger.lease(batch: "b", limit: 100, firstSequence: 1, count: 5, imageSHA256: "abc",
                                     run: Self.station, date: Date()) { sequence throws(ProvisioningError) in
            guard sequence <= 3 else { throw .exhausted("the serial counter (1...3)") }
            return ("b-\(sequence)", nil)
        }
        #expect(units.map(\.sequence) == [1, 2, 3])
        #expect(throws: ProvisioningError.exhausted("the serial counter (1...3)")) {
            _ = try ledger.lease(batch: "b", limit: 100, firstSequence: 1, count: 5, imageSHA256: "abc",
                                 run: Self.station, date: Date()) { sequence throws(ProvisioningError) in
                guard sequence <= 3 else { throw .exhausted("the serial counter (1...3)") }
                return ("b-\(sequence)", nil)
            }
        }
    }

    /// Returned units are the next lease's first, whoever takes it; a unit that moved on, or another run's, cannot
    /// be returned.
    @Test(arguments: kinds) func onlyUnitsNeverWrittenAreReturnedAndTheirSerialsAreReusedFirst(kind: String) throws {
        let ledger = try store(kind)()
        let units = try lease(ledger, 4)
        try ledger.advance(units[0].id, to: .written, key: nil, claim: claim(nil), date: Date())
        #expect(throws: ProvisioningError.self) { try ledger.release([units[0].id], run: Self.station) }
        let stranger = StationRun(station: "s1", host: "h", pid: 999)
        #expect(throws: ProvisioningError.self) { try ledger.release([units[1].id], run: stranger) }
        // A refused return changes nothing: every unit is still there.
        #expect(try ledger.units(batch: "b").count == 4)

        try ledger.release(units[1...].map(\.id), run: Self.station)
        #expect(try ledger.units(batch: "b").map(\.sequence) == [1])
        let again = try lease(ledger, 5, run: StationRun(station: "s2", host: "h", pid: 200))
        #expect(again.map(\.sequence) == [2, 3, 4, 5, 6] && again.map(\.serial) == (2...6).map { "b-\($0)" })
        // The returned highest values are not skipped either.
        try ledger.release(again[3...].map(\.id), run: StationRun(station: "s2", host: "h", pid: 200))
        #expect(try lease(ledger, 3).map(\.sequence) == [5, 6, 7])
        let rows = try ledger.units(batch: "b")
        #expect(rows.map(\.sequence) == (1...7).map { UInt64($0) } && Set(rows.map(\.serial)).count == 7)
    }

    /// `written` records the claim; the chip's unique index refuses a second unit on a chip, until the first fails.
    @Test(arguments: kinds) func writtenRecordsTheChipAndAChipHoldsOneUnitOfABatch(kind: String) throws {
        let ledger = try store(kind)()
        let units = try lease(ledger, 3)
        let taken = Date(timeIntervalSince1970: 1_000_000)
        try ledger.advance(units[0].id, to: .written, key: nil,
                           claim: UnitClaim(chipUID: "0A0B0C", probe: "stlink:X", takenAt: taken), date: Date())
        let stored = try #require(try ledger.unit(serial: units[0].serial))
        #expect(stored.chipUID == "0A0B0C" && stored.probe == "stlink:X" && stored.reservedAt == taken)
        #expect(try ledger.unit(batch: "b", chipUID: "0A0B0C")?.id == units[0].id)
        #expect(try ledger.unit(batch: "other", chipUID: "0A0B0C") == nil)
        #expect {
            try ledger.advance(units[1].id, to: .written, key: nil, claim: claim("0A0B0C"), date: Date())
        } throws: { error in
            guard case ProvisioningError.ledgerConflict = error else { return false }
            return true
        }
        #expect(try ledger.unit(serial: units[1].serial)?.state == .reserved)
        // Chips without an ID never collide; a failed unit's chip may get a new identity.
        try ledger.advance(units[1].id, to: .written, key: nil, claim: claim(nil), date: Date())
        try ledger.fail(units[0].id, cause: "void: test", date: Date())
        try ledger.advance(units[2].id, to: .written, key: nil, claim: claim("0A0B0C"), date: Date())
        #expect(try ledger.unit(batch: "b", chipUID: "0A0B0C")?.id == units[2].id)
    }

    /// A lease of one is a reservation as before leases: one row per call, in counter order, nothing held.
    @Test(arguments: kinds) func aLeaseOfOneIsOneReservationPerUnit(kind: String) throws {
        let open = try store(kind)
        let ledger = try open()
        let batch = try ContractBatch.make(count: 5)
        let single = UnitLease(ledger: ledger, batch: batch, imageSHA256: "abc", run: Self.station, size: 1)
        for expected in UInt64(1)...3 {
            let unit = try single.next()
            #expect(unit.sequence == expected && single.holding == 0)
            #expect(try ledger.units(batch: batch.name).count == Int(expected))
        }
        try single.returnUnused()
        #expect(try ledger.units(batch: batch.name).map(\.state) == [.reserved, .reserved, .reserved])
    }

    /// One lease shared by four slots (threads) of one run: every slot gets its own unit, and the run's clean end
    /// returns what no slot took.
    @Test(arguments: kinds) func aLeaseSharedBySlotsHandsOutEachUnitOnce(kind: String) throws {
        let ledger = try store(kind)()
        let batch = try ContractBatch.make(count: 100)
        let lease = UnitLease(ledger: ledger, batch: batch, imageSHA256: "abc", run: Self.station, size: 16)
        let taken = Locked<[UInt64]>([])
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                for _ in 0..<10 {
                    let unit = try lease.next()
                    taken.withLock { $0.append(unit.sequence) }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(taken.withLock { $0 }.sorted() == (1...40).map { UInt64($0) })
        #expect(try lease.holding == 8 && ledger.units(batch: batch.name).count == 48)
        try lease.returnUnused()
        #expect(try lease.holding == 0 && ledger.units(batch: batch.name).count == 40)
    }

    /// A run planning 3 units leases 3, not the lease size: a run for one board leases one.
    @Test(arguments: kinds) func aLeaseNeverExceedsWhatTheRunPlans(kind: String) throws {
        let ledger = try store(kind)()
        let batch = try ContractBatch.make(count: 100)
        let lease = UnitLease(ledger: ledger, batch: batch, imageSHA256: "abc", run: Self.station, size: 16,
                              planned: 3)
        _ = try lease.next()
        #expect(try lease.holding == 2 && ledger.units(batch: batch.name).count == 3)
    }

    /// A run killed with leased units: the station's restart voids every one (it cannot know which reached a
    /// board), never reuses their serials, and provisions the board with the next one.
    @Test(arguments: kinds) func aDeadRunsLeasedUnitsAreVoidedByTheStationsRestart(kind: String) throws {
        let open = try store(kind)
        let batch = try ContractBatch.make(count: 10)
        let dead = StationRun(station: "s1", host: "h", pid: 1)
        let lease = UnitLease(ledger: try open(), batch: batch, imageSHA256: "abc", run: dead, size: 4)
        _ = try lease.next()  // handed out to a slot, then the process died: no return

        let image = try ContractBatch.image()
        var restart = try Provisioner(batch: batch, memory: MemoryFlashTarget.memory, image: image,
                                      ledger: try open(), run: StationRun(station: "s1", host: "h", pid: 2))
        restart.isAlive = { $0 == 2 }
        var voided: [UInt64] = []
        let outcome = try restart.provision(target: MemoryFlashTarget()) { event in
            if case .voided(let unit) = event { voided.append(unit.sequence) }
        }
        guard case .committed(let unit) = outcome else { Issue.record("\(outcome)"); return }
        #expect(voided == [1, 2, 3, 4] && unit.sequence == 5)
        let rows = try open().units(batch: batch.name)
        #expect(rows.map(\.state) == [.failed, .failed, .failed, .failed, .committed])
        #expect(rows.prefix(4).allSatisfy { LedgerReport.category(of: $0.cause ?? "") == "void" })
    }
}

/// A small batch and image for the contract's provisioning cases.
enum ContractBatch {
    static func make(count: Int) throws -> Batch {
        try Batch.parse("""
            name: b
            board: test
            image: fw.bin
            count: \(count)
            identity:
              serial: {format: "C-{seq:04}", first: 1, last: 9999}
            """, file: "b.yaml", defaultName: "b") { (_) throws(ProvisioningError) in "" }
    }

    static func image() throws -> FirmwareImage {
        try FirmwareImage(segments: [Segment(address: 0x0800_0000, bytes: (0..<4000).map { UInt8($0 % 251) })])
    }
}
