import FirmwareImage
import Flash
import Foundation
import Testing
@testable import Provisioning

// Each in-memory board is opened by one slot and used by one slot thread at a time, as a programmer is.
extension MemoryFlashTarget: @unchecked Sendable {}

/// Several boards of one station run in one process (`ProvisionStation`), against in-memory boards and a real
/// SQLite ledger: recovery of a dead run's units across the boards, the orphan rule within one process, and one
/// board's failure leaving the others alone. The CLI's `--parallel` runs this on the virtual rig.
struct ProvisionStationTests {
    let base: ProvisionerTests
    /// The dead run of these tests (`ProvisionerTests.provisioner(pid: 1)`); every other pid counts as alive.
    static let deadPID: Int32 = 1

    init() throws { base = try ProvisionerTests() }

    func station(width: Int = 2) -> ProvisionStation {
        let path = base.path
        var station = ProvisionStation(batch: base.batch, memory: MemoryFlashTarget.memory, image: base.image,
                                       station: "s1", width: width) { try SQLiteLedger(path: path) }
        station.isAlive = { $0 != Self.deadPID }
        return station
    }

    func slot(_ name: String, _ target: MemoryFlashTarget, unreachable: Bool = false) -> StationBoard {
        StationBoard(probe: name) {
            if unreachable { throw ProvisioningError.ledgerUnavailable("probe \(name) unplugged") }
            return OpenedBoard(target: target, chipUID: try ProvisionerTests.chipUID(of: target), owner: nil)
        }
    }

    func units() throws -> [LedgerUnit] { try SQLiteLedger(path: base.path).units(batch: "b") }

    static func committedSerial(_ result: BoardResult) -> String? {
        guard case .committed(let unit) = try? result.result.get() else { return nil }
        return unit.serial
    }

    /// Recovery per board would void B's unit while recovering A (both are orphans of the dead run, and A's board
    /// does not carry B's); the run recovers once, knowing every board, and each slot finishes its own.
    @Test func aDeadRunsUnitsOnSeveralBoardsAreAllResumedByOneRun() throws {
        let boards = [base.board(uid: 0xA1), base.board(uid: 0xB2)]
        let written = try boards.map { try base.deadRunWrote(on: $0) }
        let voided = Lines()
        let results = station().run([slot("A", boards[0]), slot("B", boards[1])]) { _, event in
            if case .voided(let unit) = event { voided.append(unit.serial) }
        }
        for (index, result) in results.enumerated() {
            guard case .resumed(let unit) = try result.result.get() else { Issue.record("\(result)"); continue }
            #expect(unit.serial == written[index].serial && result.probe == ["A", "B"][index])
        }
        #expect(voided.all.isEmpty)
        let rows = try units()
        #expect(rows.map(\.state) == [.committed, .committed] && rows.map(\.probe) == ["A", "B"])
    }

    /// The same dead run's unit that no board carries is voided once for the run, not once per slot (a second
    /// void of the same row would be refused by the ledger and fail that slot's board).
    @Test func aDeadRunsUnitNoBoardCarriesIsVoidedOnceAndEveryBoardGetsANewUnit() throws {
        let dead = try base.provisioner(pid: Self.deadPID)
        _ = try SQLiteLedger(path: base.path).reserve(
            batch: "b", limit: 3, firstSequence: 1, imageSHA256: base.image.sha256, run: dead.run, date: Date()
        ) { try dead.factory.allocation(sequence: $0, date: Date()) }
        let voided = Lines()
        let boards = [slot("A", base.board(uid: 0xA1)), slot("B", base.board(uid: 0xB2))]
        let results = station().run(boards) { probe, event in
            if case .voided(let unit) = event { voided.append("\(probe ?? "run"): \(unit.serial)") }
        }
        #expect(voided.all == ["run: AT-0001"])
        #expect(results.compactMap(Self.committedSerial).sorted() == ["AT-0002", "AT-0003"], "\(results)")
        #expect(try units().map(\.state) == [.failed, .committed, .committed])
    }

    /// Two runs of one process share its pid: neither may take the other's open unit for a dead run's.
    @Test func twoRunsInOneProcessNeverVoidEachOthersUnits() throws {
        let ledger = try SQLiteLedger(path: base.path)
        let other = StationRun(station: "s1", probe: "B")
        let open = try ledger.reserve(
            batch: "b", limit: 3, firstSequence: 1, imageSHA256: base.image.sha256, run: other, date: Date()
        ) { try IdentityFactory(batch: base.batch).allocation(sequence: $0, date: Date()) }
        // A run on probe A of this process, alone and as a station's run: B's unit is alive, in both.
        var alone = try Provisioner(batch: base.batch, memory: MemoryFlashTarget.memory, image: base.image,
                                    ledger: ledger, run: StationRun(station: "s1", probe: "A"))
        alone.isAlive = { _ in false }
        _ = try alone.provision(target: MemoryFlashTarget())
        var parallel = station()
        parallel.isAlive = { _ in false }
        let results = parallel.run([slot("A2", base.board(uid: 0xC3))]) { _, _ in }
        #expect(results.count == 1 && (try? results[0].result.get()) != nil, "\(results)")
        let rows = try units()
        #expect(rows.map(\.state) == [.reserved, .committed, .committed] && rows[0].id == open.id, "\(rows)")
    }

    /// A board that cannot be reached and a board that does not verify end with their own results; the others
    /// commit. The dead run's unit stays open: the unreachable board might be its chip.
    @Test func oneBoardsFailureNeitherStopsNorSpoilsTheOthers() throws {
        let dead = try base.provisioner(pid: Self.deadPID)
        _ = try SQLiteLedger(path: base.path).reserve(
            batch: "b", limit: 6, firstSequence: 1, imageSHA256: base.image.sha256, run: dead.run, date: Date()
        ) { try dead.factory.allocation(sequence: $0, date: Date()) }
        let flaky = base.board(uid: 0xB2)
        flaky.corruptOnRead = 0x0800_0010
        let good = [base.board(uid: 0xA1), base.board(uid: 0xD4)]
        let finished = Lines()
        var parallel = station(width: 4)
        parallel.batch.count = 6
        let results = parallel.run([slot("A", good[0]), slot("gone", MemoryFlashTarget(), unreachable: true),
                                   slot("flaky", flaky), slot("D", good[1])], events: { _, _ in }) {
            finished.append($0.probe)
        }
        #expect(finished.all.sorted() == ["A", "D", "flaky", "gone"])
        #expect(results.map(\.probe) == ["A", "gone", "flaky", "D"])
        guard case .committed = try results[0].result.get(), case .committed = try results[3].result.get() else {
            Issue.record("\(results)"); return
        }
        #expect(throws: ProvisioningError.ledgerUnavailable("probe gone unplugged")) { try results[1].result.get() }
        guard case .rejected(let rejected, let cause) = try results[2].result.get() else {
            Issue.record("\(results[2])"); return
        }
        #expect(cause.contains("0x08000010") && results[2].unit?.serial == rejected.serial)
        for board in good {
            let block = try IdentityBlock(decoding: Array(board.bytes[0xF000...]))
            #expect(try units().first { $0.serial == block.serial }?.state == .committed)
        }
        let rows = try units()
        #expect(rows.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.committed, .committed, .failed, .reserved])
        #expect(Set(rows.map(\.serial)).count == 4 && Set(rows.compactMap(\.chipUID)).count == 3)
    }
}

/// Lines collected from the slot threads.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }

    var all: [String] { lock.withLock { lines } }
}
