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

    func provisioner(pid: Int32, alive: Set<Int32> = []) throws -> Provisioner {
        var provisioner = try Provisioner(batch: batch, memory: MemoryFlashTarget.memory, image: image,
                                          ledger: try SQLiteLedger(path: path),
                                          run: StationRun(station: "s1", host: "h", pid: pid))
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

    @Test func aUnitWrittenByADeadRunIsFinishedWhenItsBoardIsStillAttached() throws {
        let target = MemoryFlashTarget()
        let ledger = try SQLiteLedger(path: path)
        // A run that died right after the ledger said 'written': the board holds the block, the row is open.
        let dead = try provisioner(pid: 1)
        let unit = try ledger.reserve(batch: "b", limit: 3, firstSequence: 1, imageSHA256: image.sha256,
                                      run: dead.run, date: Date()) {
            try dead.factory.allocation(sequence: $0, date: Date())
        }
        let block = try dead.factory.block(serial: unit.serial, mac: unit.mac)
        let merged = try dead.merged(try block.encoded())
        for segment in merged.segments {
            target.bytes.replaceSubrange(Int(segment.address - 0x0800_0000)..<Int(segment.end - 0x0800_0000),
                                         with: segment.bytes)
        }
        try ledger.advance(unit.id, to: .written, key: block.key?.publicRecord, date: Date())

        let outcome = try provisioner(pid: 2).provision(target: target)
        guard case .resumed(let resumed) = outcome else { Issue.record("\(outcome)"); return }
        #expect(resumed.serial == unit.serial && resumed.state == .committed)
        #expect(try ledger.units(batch: "b").map(\.state) == [.committed])
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
}
