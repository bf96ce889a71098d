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
                'run' is the default: 'atelier provision batch.yaml' is 'atelier provision run batch.yaml'. \
                Examples:
                  atelier provision batch.yaml
                  atelier provision batch.yaml --ledger sqlite:/srv/line1.sqlite --station bench-2 --json
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var probe: ProbeOptions
        @Argument(help: "The batch file (batch.yaml).") var batch: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var lease: LeaseOptions
        @Option(help: "This station's name in the ledger. Default: the host name.") var station: String?
        @Option(help: "How many attached boards to provision in this run, one unit each.") var count = 1
        @Flag(help: "Flash even if the device does not look like the board's chip.") var force = false
        @Flag(help: "One JSON line per state change, then the report, on stdout.") var json = false

        func validate() throws {
            guard count >= 1 else { throw ValidationError("--count must be 1 or more") }
        }

        func run() throws {
            let batch = try Provisioning.Batch.load(path: self.batch)
            let board = try global.catalog().board(batch.board)
            let image = try FirmwareImage.load(batch.image, base: batch.base)
            let ledger = try self.ledger.open(batchPath: self.batch)
            // Everything that can be refused without a device is checked before one is opened.
            _ = try Provisioner(batch: batch, memory: board.memory, image: image, ledger: ledger,
                                run: StationRun(station: stationName))
            let output = ProvisionOutput(json: json)
            var rejected = 0
            let chosenProbes = try probes()
            let lease = self.lease.make(ledger: ledger, batch: batch, imageSHA256: image.sha256, station: stationName,
                                        planned: chosenProbes.count)
            defer { LeaseOptions.finish(lease) }
            for chosen in chosenProbes {
                let programmer = try ProgrammerRegistry.open(chosen, for: board, force: force)
                let run = StationRun(station: stationName, probe: chosen.description)
                // Only a debug probe reads the ID registers; a ROM bootloader (DfuSe) refuses addresses outside its
                // memory layout, so its units record no chip ID.
                let uidAddress = ProgrammerRegistry.debugKinds.contains(chosen.kind)
                    ? board.chip.debug?.uniqueIDAddress : nil
                var provisioner = try Provisioner(batch: batch, memory: board.memory, image: image, ledger: ledger,
                                                  run: run, chipUIDAddress: uidAddress)
                provisioner.lease = lease
                let started = Date()
                let outcome = try provisioner.provision(target: programmer.target, events: output.handle)
                try output.finished(outcome, probe: chosen.description, seconds: Date().timeIntervalSince(started))
                if case .rejected = outcome { rejected += 1 }
            }
            output.runEnded()
            if rejected > 0 {
                throw CommandFailure(message: "\(rejected) unit(s) rejected; their serials are void",
                                     hint: "'atelier flash --verify-only' on the board shows where it differs",
                                     exitCode: .refused)
            }
        }

        var stationName: String { station ?? ProcessInfo.processInfo.hostName }

        /// One probe as `flash` picks it, or with `--count N` up to N of the attached flashable probes.
        func probes() throws -> [DetectedProbe] {
            if count == 1 { return [try probe.choose(kinds: ProgrammerRegistry.flashableKinds)] }
            let selector = try probe.parsed()
            let attached = try ProbeScan.run().probes.filter {
                ProgrammerRegistry.flashableKinds.contains($0.kind) && (selector?.matches($0.device) ?? true)
            }
            guard !attached.isEmpty else { return [try probe.choose(kinds: ProgrammerRegistry.flashableKinds)] }
            return Array(attached.prefix(count))
        }
    }
}
