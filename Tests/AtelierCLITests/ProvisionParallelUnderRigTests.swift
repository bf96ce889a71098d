import AtelierTestSupport
import Foundation
import Provisioning
import Testing

/// `atelier provision --parallel`: one process provisioning several boards at once, one slot thread per board,
/// on the virtual rig's emulated ST-Links (and a DfuSe bootloader), every board read back over its probe.
@Suite(.serialized) struct ProvisionParallelUnderRigTests {
    /// Every JSON line a run printed.
    func lines(_ station: ProvisionRigStation, _ output: String) -> [[String: Any]] {
        station.log(output).split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    /// The result line of the board `name` (by its probe serial).
    func result(_ station: ProvisionRigStation, _ output: String, board name: String) -> [String: Any]? {
        station.results(output).first {
            ($0["probe"] as? String)?.contains(ProvisionRigStation.probeSerial(name)) == true
        }
    }

    @Test(arguments: ["sqlite", "postgres"])
    func oneProcessProvisionsFourBoardsAtOnce(ledgerKind: String) throws {
        let station = try ProvisionRigStation(count: 10)
        let ledger = ledgerKind == "sqlite" ? "sqlite:\(station.file("ledger.sqlite").path)"
            : try PostgresServer.shared().newDatabase()
        let boards = (0..<4).map { "P\($0)" }
        _ = try station.underRig(boards: boards, state: "state", [
            station.provisionLine(ledger: ledger, station: "line", output: "run", options: "--parallel 4"),
        ] + boards.map(station.readBackLine) + boards.map(station.uidLine))
        #expect(station.exitCode("run") == 0, "\(station.log("run.err"))")
        #expect(station.results("run").map { $0["result"] as? String } == Array(repeating: "committed", count: 4))
        // Every line names its board: state lines and results carry the probe, the run ends with a summary.
        let states = lines(station, "run").filter { $0["event"] as? String == "reserved" }
        #expect(Set(states.compactMap { $0["probe"] as? String }).count == 4, "\(states)")
        let summary = try #require(lines(station, "run").last)
        #expect(summary["event"] as? String == "summary" && summary["boards"] as? Int == 4)
        #expect((summary["counts"] as? [String: Int]) == ["committed": 4], "\(summary)")

        let rows = try openLedger(ledger).units(batch: "stations")
        #expect(rows.count == 4 && rows.allSatisfy { $0.state == .committed }, "\(rows)")
        #expect(Set(rows.map(\.serial)).count == 4 && Set(rows.compactMap(\.mac)).count == 4)
        #expect(Set(rows.compactMap(\.chipUID)).count == 4 && Set(rows.map(\.station)) == ["line"])
        for name in boards {
            let block = try #require(station.block(name), "board \(name): \(station.log("read-\(name).log"))")
            let row = try #require(rows.first { $0.serial == block.serial }, "board \(name) has \(block.serial)")
            #expect(row.mac == block.mac?.description && row.key?.fingerprint == block.key?.publicRecord.fingerprint)
            #expect(row.probe?.contains(ProvisionRigStation.probeSerial(name)) == true, "\(name): \(row)")
            #expect(row.chipUID != nil && row.chipUID == station.uid(name), "\(name): \(row)")
            #expect(result(station, "run", board: name)?["serial"] as? String == block.serial)
        }
    }

    /// Of four boards at once, one is unplugged mid-write and one reads back a flipped bit (a DfuSe bootloader):
    /// both end with their own result and a failed unit, the other two commit, and the run exits with the first
    /// failed board's code (the unplugged one: 3, unreachable).
    @Test func failingBoardsNeitherStopNorSpoilTheOthers() throws {
        let station = try ProvisionRigStation(count: 10)
        let ledger = "sqlite:\(station.file("ledger.sqlite").path)"
        let boards = ["G0", "UNPLUG", "FLIP", "G1"]
        let devices = [
            "UNPLUG": "stlink:stm32f4-discovery:serial=\(ProvisionRigStation.probeSerial("UNPLUG")):"
                + "fault=unplug-after=16K",
            "FLIP": "dfuse:stm32f4-discovery:serial=\(ProvisionRigStation.probeSerial("FLIP")):"
                + "fault=bitflip-readback=0x08000100",
        ]
        let probes = boards.map { "--probe \(ProvisionRigStation.probeSerial($0))" }.joined(separator: " ")
        _ = try station.underRig(boards: boards, state: "state", devices: devices, [
            station.provisionLine(ledger: ledger, station: "line", output: "run", options: "--parallel 4 \(probes)"),
        ] + ["G0", "G1"].map(station.readBackLine))
        #expect(station.exitCode("run") == 3, "\(station.log("run.err"))")
        #expect(station.log("run.err").contains("2 of 4 boards failed (1 rejected, their serials void)"),
                "\(station.log("run.err"))")
        #expect(station.results("run").count == 4, "\(station.log("run"))")
        let unplugged = try #require(result(station, "run", board: "UNPLUG"), "\(station.log("run"))")
        #expect(unplugged["result"] as? String == "failed" && unplugged["exit_code"] as? Int == 3, "\(unplugged)")
        let flipped = try #require(result(station, "run", board: "FLIP"))
        #expect(flipped["result"] as? String == "rejected", "\(flipped)")

        let rows = try openLedger(ledger).units(batch: "stations")
        #expect(rows.count == 4 && Set(rows.map(\.serial)).count == 4, "\(rows)")
        let failed = rows.filter { $0.state == .failed }
        #expect(Set(failed.compactMap { $0.cause.map(LedgerReport.category(of:)) }) == ["write", "verify"],
                "\(failed)")
        #expect(failed.contains { $0.serial == unplugged["serial"] as? String })
        for name in ["G0", "G1"] {
            #expect(result(station, "run", board: name)?["result"] as? String == "committed")
            let block = try #require(station.block(name), "board \(name): \(station.log("read-\(name).log"))")
            #expect(rows.first { $0.serial == block.serial }?.state == .committed)
        }
    }

    /// A `--parallel 4` run SIGKILLed when its first board commits (the others wherever they were: mostly written
    /// or verified, some only reserved),
    /// then one `--parallel 4` restart: every unit a board holds written is finished on that board, never voided
    /// (recovering per board, the first slot would void the other boards' written units as orphans of the dead
    /// run); what no board holds is voided; each board ends with one committed unit.
    @Test func aKilledParallelRunIsFinishedByOneParallelRestart() throws {
        let station = try ProvisionRigStation(count: 10)
        let ledger = "sqlite:\(station.file("ledger.sqlite").path)"
        let boards = (0..<4).map { "R\($0)" }
        _ = try station.underRig(boards: boards, state: "state", [
            station.provisionLine(ledger: ledger, station: "line", output: "kill",
                                  environment: "ATELIER_PROVISION_CRASH_AT=committed", options: "--parallel 4"),
        ])
        #expect(station.exitCode("kill") == 137, "the run was not killed: \(station.log("kill.err"))")
        let atKill = try openLedger(ledger).units(batch: "stations")
        let written = atKill.filter { $0.state == .written || $0.state == .verified }
        #expect(atKill.contains { $0.state == .committed }, "\(atKill)")

        _ = try station.underRig(boards: boards, state: "state", [
            station.provisionLine(ledger: ledger, station: "line", output: "restart", options: "--parallel 4"),
        ] + boards.map(station.readBackLine))
        #expect(station.exitCode("restart") == 0, "\(station.log("restart.err"))")
        let results = station.results("restart")
        let finished = ["committed", "resumed", "already-provisioned"]
        #expect(results.count == 4 && results.allSatisfy { finished.contains($0["result"] as? String ?? "") },
                "\(results)")
        let rows = try openLedger(ledger).units(batch: "stations")
        #expect(rows.allSatisfy { !$0.state.isOpen } && rows.filter { $0.state == .committed }.count == 4, "\(rows)")
        for unit in written {
            #expect(rows.first { $0.id == unit.id }?.state == .committed, "\(unit.serial) was not finished: \(rows)")
        }
        let onBoards = Set(boards.compactMap { station.block($0)?.serial })
        #expect(onBoards == Set(rows.filter { $0.state == .committed }.map(\.serial)), "\(onBoards) \(rows)")
        #expect(rows.filter { $0.state == .failed }.allSatisfy { LedgerReport.category(of: $0.cause ?? "") == "void" })
        #expect(Set(rows.map(\.serial)).count == rows.count && Set(rows.compactMap(\.mac)).count == rows.count)
    }

    /// Selectors must each name exactly one attached probe, once: otherwise nothing is opened and no unit is
    /// reserved. Then two --probe without --parallel provision both boards, one after the other, in that order.
    @Test func probeSelectionIsRefusedUnlessUnambiguous() throws {
        let station = try ProvisionRigStation(count: 10)
        let ledger = "sqlite:\(station.file("ledger.sqlite").path)"
        let (a, b) = (ProvisionRigStation.probeSerial("A"), ProvisionRigStation.probeSerial("B"))
        let refusals: [(options: String, code: Int32, message: String)] = [
            ("--parallel 2 --probe 0483:3748", 2, "2 probes match '0483:3748', refusing to guess"),
            ("--parallel 2 --probe \(a) --probe 0483:3748:\(a)", 2,
             "--probe '\(a)' and --probe '0483:3748:\(a)' both name"),
            ("--probe \(a) --probe NOSUCH", 3, "no probe matches 'NOSUCH'"),
            ("--count 1", 2, "2 probes are attached, refusing to guess"),
            ("--probe \(a) --probe \(b) --count 3", 2, "--count 3 with 2 --probe"),
        ]
        _ = try station.underRig(boards: ["A", "B"], state: "state", refusals.indices.map {
            station.provisionLine(ledger: ledger, station: "line", output: "refused-\($0)",
                                  options: refusals[$0].options)
        } + [
            station.provisionLine(ledger: ledger, station: "line", output: "both",
                                  options: "--probe \(b) --probe \(a)"),
        ])
        for (index, refusal) in refusals.enumerated() {
            let errors = station.log("refused-\(index).err")
            #expect(station.exitCode("refused-\(index)") == refusal.code, "\(refusal.options): \(errors)")
            #expect(errors.contains(refusal.message), "\(errors)")
            #expect(station.results("refused-\(index)").isEmpty)
        }
        #expect(station.exitCode("both") == 0, "\(station.log("both.err"))")
        let results = station.results("both")
        #expect(results.map { $0["serial"] as? String } == ["ST-00001", "ST-00002"])
        #expect(results.map { ($0["probe"] as? String)?.contains(b) == true } == [true, false])
        #expect(try openLedger(ledger).units(batch: "stations").map(\.serial) == ["ST-00001", "ST-00002"])
    }

    @Test func theHelpShowsAParallelRun() throws {
        let station = try ProvisionRigStation(count: 1)
        let help = try CLIRunner.run(station.atelier, ["provision", "run", "--help"])
        #expect(help.stdout.contains("atelier provision batch.yaml --parallel 8"), "\(help.stdout)")
        #expect(help.stdout.contains("--parallel <n>") && help.stdout.contains("--probe <sel>"))
    }
}
