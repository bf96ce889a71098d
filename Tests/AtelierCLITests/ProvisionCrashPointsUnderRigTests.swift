import AtelierTestSupport
import Foundation
import Provisioning
import Testing

/// A station SIGKILLed at 50 random points of a unit's run (`ATELIER_PROVISION_CRASH_AFTER`: after the n-th
/// ledger state, voided unit or flash event), then restarted with the same board still attached. The points
/// come from a seeded generator: a failure names the seed, and `ATELIER_CRASH_SEED=<seed>` replays it. Half the
/// points run against SQLite, half against PostgreSQL (where the kill also drops the server connection).
@Suite(.serialized) struct ProvisionCrashPointsUnderRigTests {
    static let points = 50

    @Test func aStationKilledAtRandomPointsLosesNothingAndDoublesNothing() throws {
        let seed = ProcessInfo.processInfo.environment["ATELIER_CRASH_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0..<1_000_000)
        var generator = SplitMix64(seed: seed)
        let station = try ProvisionRigStation(count: 100)
        let ledgers = ["sqlite:\(station.file("ledger.sqlite").path)", try PostgresServer.shared().newDatabase()]

        // How many events one unit's run has, so the points cover all of it.
        let calibration = station.provisionLine(ledger: "sqlite:\(station.file("calibration.sqlite").path)",
                                                station: "cal", count: 1, output: "calibration",
                                                environment: "ATELIER_PROVISION_CRASH_AFTER=1000000")
        _ = try station.underRig(boards: ["CAL"], state: "state-cal", [calibration])
        let events = try #require(
            station.log("calibration.err").split(separator: "\n")
                .first { $0.hasPrefix("crash hook: the run ended after ") }
                .flatMap { Int($0.split(separator: " ")[6]) },
            "no event count: \(station.log("calibration.err"))")
        #expect(events > 10, "a unit's run had only \(events) events")

        // Ten boards per rig, so the rig starts five times, not fifty; each board is killed once, then restarted.
        var boardsOf: [[String]] = [[], []]
        for group in stride(from: 0, to: Self.points, by: 10) {
            var lines: [String] = []
            var points: [Int: Int] = [:]
            let indices = Array(group..<min(group + 10, Self.points))
            for index in indices {
                let point = Int.random(in: 1...events, using: &generator)
                points[index] = point
                let board = "K\(index)"
                let ledger = ledgers[index % 2]
                boardsOf[index % 2].append(board)
                lines += [
                    station.provisionLine(ledger: ledger, station: "k", board: board, output: "kill-\(index)",
                                          environment: "ATELIER_PROVISION_CRASH_AFTER=\(point)"),
                    station.provisionLine(ledger: ledger, station: "k", board: board, output: "restart-\(index)"),
                    station.readBackLine(board: board),
                    station.uidLine(board: board),
                ]
            }
            _ = try station.underRig(boards: indices.map { "K\($0)" }, state: "state-\(group)", lines)
            for index in indices {
                let context = "seed \(seed) (ATELIER_CRASH_SEED), kill point \(index) after event "
                    + "\(points[index] ?? 0) of \(events)"
                // The shell reports a process killed by signal 9 as 128 + 9.
                #expect(station.exitCode("kill-\(index)") == 137, "\(context): the station was not killed")
                #expect(station.exitCode("restart-\(index)") == 0,
                        "\(context): restart failed: \(station.log("restart-\(index).err"))")
                let result = station.result("restart-\(index)")
                #expect(["committed", "resumed", "already-provisioned"].contains(result?["result"] as? String),
                        "\(context): \(String(describing: result))")
                #expect(station.block("K\(index)")?.serial == result?["serial"] as? String,
                        "\(context): the board's block does not hold the restart's serial")
            }
        }

        for (which, ledger) in ledgers.enumerated() {
            let rows = try openLedger(ledger).units(batch: "stations")
            let context = "seed \(seed) (ATELIER_CRASH_SEED), \(which == 0 ? "SQLite" : "PostgreSQL") ledger"
            // Nothing lost: every counter value handed out is a unit that ended committed or void, none open.
            #expect(rows.map(\.sequence) == (1...UInt64(rows.count)).map { $0 }, "\(context): \(rows)")
            #expect(rows.allSatisfy { !$0.state.isOpen }, "\(context): open units left: \(rows)")
            let failed = rows.filter { $0.state == .failed }
            #expect(failed.allSatisfy { LedgerReport.category(of: $0.cause ?? "") == "void" }, "\(context): \(failed)")
            // Nothing doubled: one committed unit per board, each serial and MAC once.
            let committed = rows.filter { $0.state == .committed }
            #expect(committed.count == boardsOf[which].count, "\(context): \(rows)")
            #expect(Set(rows.map(\.serial)).count == rows.count && Set(rows.compactMap(\.mac)).count == rows.count)
            let onBoards = Set(boardsOf[which].compactMap { station.block($0)?.serial })
            #expect(onBoards == Set(committed.map(\.serial)), "\(context)")
            // Each committed unit belongs to the chip of the board that carries it, and no chip has two.
            for board in boardsOf[which] {
                let row = committed.first { $0.serial == station.block(board)?.serial }
                #expect(row?.chipUID != nil && row?.chipUID == station.uid(board), "\(context): board \(board)")
            }
        }
    }
}

/// A station killed right after 'written', then restarted with other chips attached: the dead run's unit is
/// finished only on its own chip. A blank board gets a new unit and the dead one is voided; a board carrying a
/// copy of the dead board's flash (its identity block included) on another chip is refused.
@Suite(.serialized) struct ProvisionChipRecoveryUnderRigTests {
    @Test(arguments: ["sqlite", "postgres"])
    func aRestartOnAnotherChipNeverResumesTheDeadRunsUnit(ledgerKind: String) throws {
        let station = try ProvisionRigStation(count: 10)
        let ledger = ledgerKind == "sqlite" ? "sqlite:\(station.file("ledger.sqlite").path)"
            : try PostgresServer.shared().newDatabase()
        let boards = ["DEAD", "OTHER", "COPY"]
        _ = try station.underRig(boards: boards, state: "state", [
            station.provisionLine(ledger: ledger, station: "k", board: "DEAD", output: "kill",
                                  environment: "ATELIER_PROVISION_CRASH_AT=written"),
        ])
        #expect(station.exitCode("kill") == 137, "the station was not killed: \(station.log("kill.err"))")
        let dead = try #require(try openLedger(ledger).units(batch: "stations").first)
        #expect(dead.state == .written && dead.chipUID != nil)

        // COPY's flash becomes DEAD's, identity block and all; its chip (unique ID) stays its own.
        let state = station.file("state")
        let names = try FileManager.default.contentsOfDirectory(atPath: state.path)
        let deadFile = try #require(names.first { $0.contains(ProvisionRigStation.probeSerial("DEAD")) }, "\(names)")
        let copyFile = deadFile.replacingOccurrences(of: ProvisionRigStation.probeSerial("DEAD"),
                                                     with: ProvisionRigStation.probeSerial("COPY"))
        try? FileManager.default.removeItem(at: state.appendingPathComponent(copyFile))
        try FileManager.default.copyItem(at: state.appendingPathComponent(deadFile),
                                         to: state.appendingPathComponent(copyFile))

        _ = try station.underRig(boards: boards, state: "state", [
            station.provisionLine(ledger: ledger, station: "k", board: "COPY", output: "copy"),
            station.provisionLine(ledger: ledger, station: "k", board: "OTHER", output: "other"),
            station.provisionLine(ledger: ledger, station: "k", board: "DEAD", output: "back"),
        ] + boards.map(station.uidLine))
        #expect(station.exitCode("copy") == 1, "the copied block was accepted: \(station.log("copy"))")
        #expect(station.log("copy.err").contains("recorded for chip \(dead.chipUID ?? "?")"),
                "\(station.log("copy.err"))")
        #expect(station.result("other")?["result"] as? String == "committed", "\(station.log("other.err"))")
        // The dead board itself comes back after its unit was voided: a new serial, never the void one.
        #expect(station.result("back")?["result"] as? String == "committed", "\(station.log("back.err"))")

        let rows = try openLedger(ledger).units(batch: "stations")
        #expect(rows.map(\.state) == [.failed, .committed, .committed], "\(rows)")
        #expect(rows[0].serial == dead.serial && LedgerReport.category(of: rows[0].cause ?? "") == "void")
        #expect(rows[1].chipUID == station.uid("OTHER") && rows[2].chipUID == station.uid("DEAD"))
        #expect(station.result("back")?["chip_uid"] as? String == station.uid("DEAD"))
        #expect(Set(rows.map(\.serial)).count == 3 && station.uid("COPY") != station.uid("DEAD"))
    }
}

/// SplitMix64 (Steele, Lea and Flood): a tiny seeded generator, so a failing run can be replayed exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
