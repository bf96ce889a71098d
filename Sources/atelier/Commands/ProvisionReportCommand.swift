import ArgumentParser
import Foundation
import Provisioning

extension Atelier.Provision {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a batch's ledger: units per state, yield, time per unit, failures by cause.",
            discussion: """
                For the whole batch and for each station. Yield is committed over finished (committed or failed) \
                units; time per unit runs from the moment a unit was taken for a board to commit (median and 95th \
                percentile); failures are counted by the category their cause starts with (verify, write, …). \
                Void units (failed 'void: …': identities a crashed run left open, mostly its unused leased units) \
                are a column of their own, neither failed boards nor part of the yield. A table by default, or one \
                JSON document, or CSV with one row per station and a last row 'all'. With --units, every unit \
                instead, in order: serial, sequence, MAC, state, cause, station, host, probe, chip ID (the chip's \
                unique ID or ROM bootloader serial, empty when the programmer could not tell chips apart), \
                public-key fingerprint, reservation and last-change times (UTC); never a private key.
                  atelier provision report batch.yaml
                  atelier provision report batch.yaml --units --csv > units.csv
                  atelier provision report batch.yaml --ledger postgres://line@db:5432/ledger --csv > batch.csv
                """)

        @Argument(help: "The batch file (batch.yaml).") var batch: String
        @OptionGroup var ledger: LedgerOptions
        @Flag(help: "One JSON document on stdout.") var json = false
        @Flag(help: "CSV on stdout: one row per station, then 'all'.") var csv = false
        @Flag(help: "List every unit (serial, MAC, state, chip ID, fingerprint, times) instead of the summary.")
        var units = false

        func validate() throws {
            if json && csv { throw ValidationError("--json and --csv are exclusive; pick one") }
        }

        func run() throws {
            let batch = try Provisioning.Batch.load(path: self.batch)
            let units = try ledger.open(batchPath: self.batch).units(batch: batch.name)
            if self.units {
                if json {
                    let rows = units.map(ProvisionUnitRow.init)
                    try JSONOutput.print(ProvisionUnitsDocument(batch: batch.name, units: rows))
                } else if csv {
                    print(ProvisionReportOutput.unitsCSV(batch: batch.name, units), terminator: "")
                } else {
                    print(ProvisionReportOutput.unitsText(units))
                }
                return
            }
            let report = LedgerReport(batch: batch.name, target: batch.count, units: units)
            if json {
                try JSONOutput.print(report)
            } else if csv {
                print(ProvisionReportOutput.csv(report), terminator: "")
            } else {
                print(ProvisionReportOutput.text(report))
            }
        }
    }

    /// Reserves units without a board: what the allocation benchmark measures, and a way to pre-assign serials.
    struct Allocate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reserve units in the ledger without a board (maintenance and benchmarks).",
            discussion: """
                Units are taken exactly as 'atelier provision' takes them for boards: leased --lease at a time \
                (one durable transaction per lease), then handed out one by one. The units stay 'reserved'; the \
                next run of the same station voids them (failed, cause 'void: …'), so their serials are never \
                handed out again. Prints one JSON line: units, lease size, start and end times (Unix seconds) and \
                the rate.
                """,
            shouldDisplay: false)

        @Argument(help: "The batch file (batch.yaml).") var batch: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var lease: LeaseOptions
        @Option(help: "This station's name in the ledger. Default: the host name.") var station: String?
        @Option(help: "How many units to reserve.") var count = 1

        func validate() throws {
            guard count >= 1 else { throw ValidationError("--count must be 1 or more") }
        }

        func run() throws {
            let batch = try Provisioning.Batch.load(path: self.batch)
            let ledger = try self.ledger.open(batchPath: self.batch)
            let lease = self.lease.make(ledger: ledger, batch: batch, imageSHA256: "",
                                        station: station ?? ProcessInfo.processInfo.hostName, planned: count)
            defer { LeaseOptions.finish(lease) }
            let started = Date()
            for _ in 0..<count {
                _ = try lease.next()
            }
            let ended = Date()
            try JSONOutput.printLine(Allocation(
                units: count, lease: lease.size, started: started.timeIntervalSince1970,
                ended: ended.timeIntervalSince1970,
                perSecond: Double(count) / max(ended.timeIntervalSince(started), 1e-9)))
        }

        struct Allocation: Encodable {
            var units: Int
            /// Units per lease (per durable transaction) at most.
            var lease: Int
            var started: Double
            var ended: Double
            var perSecond: Double

            enum CodingKeys: String, CodingKey {
                case units, lease, started, ended
                case perSecond = "per_second"
            }
        }
    }
}
