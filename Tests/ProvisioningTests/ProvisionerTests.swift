import FirmwareImage
import Flash
import Foundation
import Testing
@testable import Provisioning

/// The provisioning flow against an in-memory flash and a real SQLite ledger: commit, skip, crash and resume.
struct ProvisionerTests {
    let path: String
    let batch: Batch
    let image: FirmwareImage

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prov-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("ledger.sqlite").path
        batch = try Batch.parse("""
            board: test
            image: fw.bin
            count: 3
            identity:
              serial: {format: "AT-{seq:04}", first: 1, last: 10}
              mac: {first: "02:A7:00:00:00:01", last: "02:A7:00:00:00:FF"}
              key: p256
              values: {csv: cal.csv, columns: [gain]}
            """, file: "b.yaml", defaultName: "b") { (_) throws(ProvisioningError) in
                "serial,gain\n" + (1...10).map { "AT-\(String(format: "%04d", $0)),1.0\($0)" }.joined(separator: "\n")
            }
        image = try FirmwareImage(segments: [Segment(address: 0x0800_0000, bytes: (0..<6000).map { UInt8($0 % 251) })])
    }

    /// Where the in-memory boards keep their chip's unique ID, clear of the image and the identity block.
    static let uidAddress: UInt64 = 0x0800_E000

    /// The chip ID a debug probe would read from `target`, as `OpenedProgrammer.chipUniqueID()` does.
    static func chipUID(of target: MemoryFlashTarget?) throws -> String? {
        try target.flatMap { try ChipIdentity.memory(address: uidAddress, size: 12).uniqueID(reading: $0) }
    }

    /// A station run `pid` with the board `target` attached (its chip ID read as the CLI reads it).
    func provisioner(pid: Int32, alive: Set<Int32> = [], on target: MemoryFlashTarget? = nil) throws -> Provisioner {
        var provisioner = try Provisioner(batch: batch, memory: MemoryFlashTarget.memory, image: image,
                                          ledger: try SQLiteLedger(path: path),
                                          run: StationRun(station: "s1", host: "h", pid: pid),
                                          chipUID: try Self.chipUID(of: target))
        provisioner.isAlive = { alive.contains($0) || $0 == pid }
        return provisioner
    }

    @Test func aBoardGetsItsImageAndAnIdentityThatReadsBackValid() throws {
        let target = MemoryFlashTarget()
        let outcome = try provisioner(pid: 1).provision(target: target)
        guard case .committed(let unit) = outcome else { Issue.record("\(outcome)"); return }
        #expect(unit.serial == "AT-0001" && unit.mac == "02:A7:00:00:00:01")
        #expect(Array(target.bytes[0..<6000]) == (0..<6000).map { UInt8($0 % 251) })
        let block = try IdentityBlock(decoding: Array(target.bytes[0xF000...]))
        #expect(block.serial == "AT-0001" && block.values == [UnitValue(name: "gain", value: "1.01")])
        let stored = try #require(try SQLiteLedger(path: path).unit(serial: "AT-0001"))
        #expect(stored.state == .committed)
        #expect(stored.key?.fingerprint == block.key?.fingerprint)
        // The private key is on the device only: no column of the ledger file holds it.
        let secret = try #require(block.key?.privateKey).map { String(format: "%02x", $0) }.joined()
        let file = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf:
            URL(fileURLWithPath: path + "-wal"))) ?? Data())
        #expect(file.range(of: Data(secret.utf8)) == nil)
        #expect(file.range(of: Data(try #require(block.key?.privateKey))) == nil)
    }

    @Test func aProvisionedBoardIsSkippedNotGivenASecondIdentity() throws {
        let target = MemoryFlashTarget()
        _ = try provisioner(pid: 1).provision(target: target)
        let again = try provisioner(pid: 2).provision(target: target)
        guard case .alreadyProvisioned(let unit) = again else { Issue.record("\(again)"); return }
        #expect(unit.serial == "AT-0001")
        #expect(try SQLiteLedger(path: path).units(batch: "b").count == 1)
    }

    @Test func aVerifyFailureFailsTheUnitWithItsCauseAndTheSerialIsNotReused() throws {
        let target = MemoryFlashTarget()
        target.corruptOnRead = 0x0800_0010
        let outcome = try provisioner(pid: 1).provision(target: target)
        guard case .rejected(let unit, let cause) = outcome else { Issue.record("\(outcome)"); return }
        #expect(cause.contains("0x08000010"))
        #expect(try SQLiteLedger(path: path).unit(serial: unit.serial)?.state == .failed)
        target.corruptOnRead = nil
        guard case .committed(let next) = try provisioner(pid: 1).provision(target: target) else {
            Issue.record("second try did not commit"); return
        }
        #expect(next.serial == "AT-0002")
    }

    @Test func theBatchStopsAtItsCount() throws {
        for pid in Int32(1)...3 { _ = try provisioner(pid: pid).provision(target: MemoryFlashTarget()) }
        #expect(throws: ProvisioningError.batchComplete(count: 3)) {
            _ = try provisioner(pid: 4).provision(target: MemoryFlashTarget())
        }
    }

    @Test func aUnitWrittenByADeadRunIsFinishedWhenItsChipIsStillAttached() throws {
        let target = board(uid: 0xA1)
        let unit = try deadRunWrote(on: target)
        let outcome = try provisioner(pid: 2, on: target).provision(target: target)
        guard case .resumed(let resumed) = outcome else { Issue.record("\(outcome)"); return }
        #expect(resumed.serial == unit.serial && resumed.state == .committed)
        #expect(try SQLiteLedger(path: path).units(batch: "b").map(\.state) == [.committed])
    }

    @Test func withoutAChipIDADeadRunsWrittenUnitIsVoidedNotResumed() throws {
        // A programmer that cannot tell chips apart (USBasp, plain DFU, PICOBOOT): the block on the board is the
        // dead run's, but nothing says the chip is the one it was written to.
        let target = MemoryFlashTarget()
        let unit = try deadRunWrote(on: target)
        #expect(unit.chipUID == nil)
        var voided: [String] = []
        let outcome = try provisioner(pid: 2, on: target).provision(target: target) { event in
            if case .voided(let unit) = event { voided.append(unit.serial) }
        }
        guard case .committed(let next) = outcome else { Issue.record("\(outcome)"); return }
        #expect(voided == [unit.serial] && next.serial == "AT-0002" && next.chipUID == nil)
        let rows = try SQLiteLedger(path: path).units(batch: "b")
        #expect(rows.map(\.state) == [.failed, .committed])
        #expect(rows[0].cause?.contains("no chip ID to prove it is the same chip; identity void") == true)
        #expect(try IdentityBlock(decoding: Array(target.bytes[0xF000...])).serial == "AT-0002")
    }

    /// A board whose chip has the unique ID `uid` (12 bytes of `uid`), blank otherwise.
    func board(uid: UInt8) -> MemoryFlashTarget {
        let target = MemoryFlashTarget()
        let offset = Int(Self.uidAddress - 0x0800_0000)
        target.bytes.replaceSubrange(offset..<(offset + 12), with: repeatElement(uid, count: 12))
        return target
    }

    /// The state a run leaves when it dies right after 'written' on `target`: the block on the board, the row open.
    func deadRunWrote(on target: MemoryFlashTarget) throws -> LedgerUnit {
        let ledger = try SQLiteLedger(path: path)
        let dead = try provisioner(pid: 1)
        let unit = try ledger.reserve(batch: "b", limit: 3, firstSequence: 1, imageSHA256: image.sha256,
                                      run: dead.run, date: Date()) {
            try dead.factory.allocation(sequence: $0, date: Date())
        }
        let block = try dead.factory.block(serial: unit.serial, mac: unit.mac)
        for segment in try dead.merged(try block.encoded()).segments {
            target.bytes.replaceSubrange(Int(segment.address - 0x0800_0000)..<Int(segment.end - 0x0800_0000),
                                         with: segment.bytes)
        }
        let claim = UnitClaim(chipUID: try Self.chipUID(of: target), probe: nil, takenAt: Date())
        try ledger.advance(unit.id, to: .written, key: block.key?.publicRecord, claim: claim, date: Date())
        return unit
    }

    @Test func theLedgerRecordsTheChipsUniqueIDAndAChipIsNeverGivenTwoIdentities() throws {
        let target = board(uid: 0xA1)
        guard case .committed(let unit) = try provisioner(pid: 1, on: target).provision(target: target) else {
            Issue.record("not committed"); return
        }
        #expect(unit.chipUID == String(repeating: "A1", count: 12))
        #expect(try SQLiteLedger(path: path).unit(serial: unit.serial)?.chipUID == unit.chipUID)
        // The same chip with its identity block erased is refused, not given a second serial.
        target.bytes.replaceSubrange(0xF000..<0x10000, with: repeatElement(0xFF, count: 0x1000))
        #expect(throws: ProvisioningError.chipAlreadyAssigned(chipUID: unit.chipUID ?? "", serial: unit.serial)) {
            _ = try provisioner(pid: 2, on: target).provision(target: target)
        }
    }

    @Test func aDeadRunsUnitIsResumedOnlyOnItsOwnChip() throws {
        let original = board(uid: 0xA1)
        let unit = try deadRunWrote(on: original)
        // Another chip carrying a copy of that board's flash: refused, and the dead run's unit voided for good.
        let copy = board(uid: 0xB2)
        copy.bytes.replaceSubrange(0..<0xE000, with: original.bytes[0..<0xE000])
        copy.bytes.replaceSubrange(0xF000..<0x10000, with: original.bytes[0xF000..<0x10000])
        #expect(throws: ProvisioningError.chipMismatch(serial: unit.serial, recorded: String(repeating: "A1", count: 12),
                                                       attached: String(repeating: "B2", count: 12))) {
            _ = try provisioner(pid: 2, on: copy).provision(target: copy)
        }
        let ledger = try SQLiteLedger(path: path)
        #expect(try ledger.units(batch: "b").map(\.state) == [.failed])
        // The original chip comes back later: its unit is void, so it gets a new serial, never the old one.
        guard case .committed(let next) = try provisioner(pid: 3, on: original).provision(target: original) else {
            Issue.record("not committed"); return
        }
        #expect(next.serial == "AT-0002" && next.chipUID == String(repeating: "A1", count: 12))
    }

    @Test func aRestartWithAnotherBlankChipVoidsTheDeadRunsUnit() throws {
        let unit = try deadRunWrote(on: board(uid: 0xA1))
        let other = board(uid: 0xC3)
        let outcome = try provisioner(pid: 2, on: other).provision(target: other)
        guard case .committed(let next) = outcome else { Issue.record("\(outcome)"); return }
        #expect(next.serial == "AT-0002" && next.chipUID == String(repeating: "C3", count: 12))
        let rows = try SQLiteLedger(path: path).units(batch: "b")
        #expect(rows.map(\.serial) == [unit.serial, "AT-0002"] && rows.map(\.state) == [.failed, .committed])
    }

    @Test func aUnitReservedByADeadRunIsVoidedAndItsSerialNeverReused() throws {
        let ledger = try SQLiteLedger(path: path)
        let dead = try provisioner(pid: 1)
        _ = try ledger.reserve(batch: "b", limit: 3, firstSequence: 1, imageSHA256: image.sha256, run: dead.run,
                               date: Date()) { try dead.factory.allocation(sequence: $0, date: Date()) }
        var voided: [String] = []
        let outcome = try provisioner(pid: 2).provision(target: MemoryFlashTarget()) { event in
            if case .voided(let unit) = event { voided.append(unit.serial) }
        }
        guard case .committed(let unit) = outcome else { Issue.record("\(outcome)"); return }
        #expect(voided == ["AT-0001"] && unit.serial == "AT-0002")
        let rows = try ledger.units(batch: "b")
        #expect(rows.map(\.state) == [.failed, .committed])
        #expect(rows[0].cause?.contains("died in state reserved") == true)
    }

    @Test func aLiveRunsOpenUnitIsLeftAlone() throws {
        let ledger = try SQLiteLedger(path: path)
        let other = try provisioner(pid: 1)
        _ = try ledger.reserve(batch: "b", limit: 3, firstSequence: 1, imageSHA256: image.sha256, run: other.run,
                               date: Date()) { try other.factory.allocation(sequence: $0, date: Date()) }
        _ = try provisioner(pid: 2, alive: [1]).provision(target: MemoryFlashTarget())
        #expect(try ledger.units(batch: "b").map(\.state) == [.reserved, .committed])
    }

    @Test func anImageThatCoversTheBlockAddressIsRefusedBeforeAnythingIsReserved() throws {
        let full = try FirmwareImage(segments: [Segment(address: 0x0800_F000, bytes: [1, 2, 3, 4])])
        #expect(throws: ProvisioningError.blockOverlapsImage(address: 0x0800_F000)) {
            _ = try Provisioner(batch: batch, memory: MemoryFlashTarget.memory, image: full,
                                ledger: try SQLiteLedger(path: path), run: StationRun(station: "s"))
        }
    }

    /// A run's lease serves its boards one by one; the clean end returns what no board took, and the next run
    /// takes those serials first, so the batch stays dense. Time per unit starts when a board took its unit.
    @Test func aRunsLeaseServesItsBoardsAndTheCleanEndReturnsTheRest() throws {
        let ledger = try SQLiteLedger(path: path)
        let lease = UnitLease(ledger: ledger, batch: batch, imageSHA256: image.sha256,
                              run: StationRun(station: "s1", host: "h", pid: 1), size: 3)
        // Run 1's provisioner for `target`, taking its units from the shared lease.
        func leased(_ target: MemoryFlashTarget) throws -> Provisioner {
            var provisioner = try provisioner(pid: 1, on: target)
            provisioner.lease = lease
            return provisioner
        }
        let leasedAt = Date()
        for uid in [UInt8(0xA1), 0xA2] {
            let target = board(uid: uid)
            guard case .committed(let unit) = try leased(target).provision(target: target) else {
                Issue.record("not committed"); return
            }
            #expect(unit.reservedAt >= leasedAt && unit.probe == nil)
        }
        #expect(try lease.holding == 1 && ledger.units(batch: "b").count == 3)
        // The same chip again: refused before a unit is taken, so no serial is spent on it.
        let again = board(uid: 0xA1)
        #expect(throws: ProvisioningError.self) { _ = try leased(again).provision(target: again) }
        #expect(lease.holding == 1)
        try lease.returnUnused()
        #expect(try ledger.units(batch: "b").map(\.state) == [.committed, .committed])
        let third = board(uid: 0xA3)
        guard case .committed(let unit) = try provisioner(pid: 2, on: third).provision(target: third) else {
            Issue.record("not committed"); return
        }
        #expect(unit.serial == "AT-0003" && unit.sequence == 3)
    }
}
