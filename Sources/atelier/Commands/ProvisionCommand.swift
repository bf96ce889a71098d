import ArgumentParser
import BoardCatalog
import FirmwareImage
import Flash
import Foundation
import Programmers
import Provisioning
import USB

extension Atelier {
    struct Provision: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Provision a batch: per-unit identity blocks, recorded in a ledger the stations share.",
            subcommands: [RunBatch.self, Report.self, Allocate.self], defaultSubcommand: RunBatch.self)
    }
}

extension Atelier.Provision {
    struct RunBatch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Flash a batch's image plus a per-unit identity block to attached boards, recorded in a ledger.",
            discussion: """
                Each unit gets the batch's image and its own identity (serial, MAC, a key pair generated here, \
                CSV values) in one verified write. The ledger row moves reserved, written, verified, committed, \
                or failed with a cause; a restart finishes or voids what a crashed run left open. A board that \
                already carries a committed identity is reported and skipped. Private keys go to the board only. \
                Each unit records its chip's unique ID: read at the chip file's unique_id_address through a debug \
                probe (ST-Link, CMSIS-DAP: the STM32 UID, the nRF FICR DEVICEID), or the STM32 system \
                bootloader's USB serial, which it builds from that UID (DfuSe). USBasp (the ATmega328P has no \
                documented unique ID), plain DFU and PICOBOOT (the RP2040 boot ROM's serial is the same on every \
                chip) record none; a unit such a run left open is then voided on restart, never resumed. \
                'run' is the default: 'atelier provision batch.yaml' is 'atelier provision run batch.yaml'.

                Boards: one by default, through the only attached probe (or the one --probe names). Give --probe \
                once per board, or --count N for the first N attached probes, or --parallel alone for every \
                attached probe; each --probe must name exactly one probe. --parallel N works on N boards at once, \
                one thread each (default: one after another). One board's failure does not stop the others: each \
                board gets its result line, a run of several ends with a summary, and the exit code is the first \
                failed board's (1 rejected, 2 wrong chip, 3 unreachable).
                Examples:
                  atelier provision batch.yaml
                  atelier provision batch.yaml --ledger sqlite:/srv/line1.sqlite --station bench-2 --json
                  atelier provision batch.yaml --parallel 8
                  atelier provision batch.yaml --parallel 2 --probe 066DFF01 --probe usb:1-4.3
                """
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The batch file (batch.yaml).") var batch: String
        @Option(name: .customLong("probe"), help: ArgumentHelp(
            "A board's probe: VID:PID[:SERIAL], a serial, or a port path like usb:1-4.2. Repeat for several boards.",
            valueName: "sel"))
        var probes: [String] = []
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var lease: LeaseOptions
        @Option(help: "This station's name in the ledger. Default: the host name.") var station: String?
        @Option(help: ArgumentHelp(
            "How many boards to provision in this run, one unit each. Default: 1, or one per --probe, or with "
                + "--parallel every attached probe.", valueName: "n"))
        var count: Int?
        @Option(help: ArgumentHelp("How many boards to provision at once, one thread each. Default: 1.",
                                   valueName: "n"))
        var parallel: Int?
        @Flag(help: "Flash even if the device does not look like the board's chip.") var force = false
        @Flag(help: "One JSON line per state change, then one per board (and a summary), on stdout.")
        var json = false

        func validate() throws {
            if let count, count < 1 { throw ValidationError("--count must be 1 or more") }
            if let parallel, parallel < 1 { throw ValidationError("--parallel must be 1 or more") }
            do {
                _ = try selectors()
            } catch let error as ProbeSelectorError {
                throw ValidationError(error.description)
            }
            if let count, !probes.isEmpty, count > probes.count {
                throw ValidationError("--count \(count) with \(probes.count) --probe: name a probe for every board, "
                                      + "or leave --probe out to take the first \(count) attached")
            }
        }

        func run() throws {
            let batch = try Provisioning.Batch.load(path: self.batch)
            let board = try global.catalog().board(batch.board)
            let image = try FirmwareImage.load(batch.image, base: batch.base)
            // Opened before any device, so an unreachable ledger is refused first; the run's lease then keeps it.
            let leaseLedger = try self.ledger.open(batchPath: self.batch)
            // Everything that can be refused without a device is checked before one is opened.
            _ = try Provisioner(batch: batch, memory: board.memory, image: image, ledger: leaseLedger,
                                run: StationRun(station: stationName))
            let chosen = try boards()
            let output = ProvisionOutput(json: json)
            let several = chosen.count > 1
            let force = self.force
            let boards = chosen.map { probe in
                StationBoard(probe: probe.description) {
                    let programmer = try ProgrammerRegistry.open(probe, for: board, force: force)
                    return OpenedBoard(target: programmer.target, chipUID: try programmer.chipUniqueID(),
                                       owner: programmer)
                }
            }
            let (spec, batchPath) = (self.ledger.ledger, self.batch)
            // The lease is the run's, shared by its slots; each slot and the recovery connect on their own.
            let lease = self.lease.make(ledger: leaseLedger, batch: batch, imageSHA256: image.sha256,
                                        station: stationName, planned: chosen.count)
            defer { LeaseOptions.finish(lease) }
            var station = ProvisionStation(batch: batch, memory: board.memory, image: image, station: stationName,
                                           width: parallel ?? 1) {
                try LedgerOptions.open(spec, batchPath: batchPath)
            }
            station.lease = lease
            let started = Date()
            let results = station.run(boards, events: { output.handle($1, probe: $0) }) { result in
                // A run of one board reports its error as every command does, below.
                if several || result.outcome != nil { output.finished(result, failure: Self.report(result)) }
            }
            output.runEnded()
            if several { output.summary(results, seconds: Date().timeIntervalSince(started)) }
            try Self.verdict(results)
        }

        var stationName: String { station ?? ProcessInfo.processInfo.hostName }

        func selectors() throws -> [ProbeSelector] {
            try probes.map { text throws(ProbeSelectorError) in try ProbeSelector(parsing: text) }
        }

        /// The boards of this run, as the probes they hang on, in the order given (or attached).
        func boards() throws -> [DetectedProbe] {
            let kinds = ProgrammerRegistry.flashableKinds
            let attached = try ProbeScan.run().probes
            let selectors = try selectors()
            if !selectors.isEmpty {
                return Array(try ProbeSelector.selectEach(selectors, from: attached, kinds: kinds)
                    .prefix(count ?? selectors.count))
            }
            // nil: every attached probe.
            let wanted = count ?? (parallel == nil ? 1 : nil)
            let usable = attached.filter { kinds.contains($0.kind) }
            // One board without a selector is the only attached one, never a guess among several.
            if wanted == 1 || usable.isEmpty { return [try ProbeSelector.select(nil, from: attached, kinds: kinds)] }
            return Array(usable.prefix(wanted ?? usable.count))
        }

        static func report(_ result: BoardResult) -> ErrorReporter.Report? {
            guard case .failure(let error) = result.result else { return nil }
            return ErrorReporter.report(for: error)
        }

        /// A run of one board fails with that board's error; a run of several with the first failed board's exit
        /// code, after every board has reported.
        static func verdict(_ results: [BoardResult]) throws {
            if results.count == 1, case .failure(let error) = results[0].result { throw error }
            let failed = results.filter {
                if case .success(let outcome) = $0.result, case .rejected = outcome { return true }
                return $0.outcome == nil
            }
            guard let first = failed.first else { return }
            let rejected = failed.count(where: { $0.outcome != nil })
            if rejected == results.count {
                throw CommandFailure(message: "\(rejected) unit(s) rejected; their serials are void",
                                     hint: "'atelier flash --verify-only' on the board shows where it differs",
                                     exitCode: .refused)
            }
            throw CommandFailure(
                message: "\(failed.count) of \(results.count) boards failed"
                    + (rejected > 0 ? " (\(rejected) rejected, their serials void)" : ""),
                hint: "each failed board's line above says why",
                exitCode: report(first)?.exitCode ?? .refused)
        }
    }
}

extension BoardResult {
    /// The outcome when the board got one (committed, resumed, skipped or rejected); nil when an error stopped it.
    var outcome: ProvisionOutcome? { try? result.get() }
}
