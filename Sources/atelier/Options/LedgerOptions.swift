import ArgumentParser
import Foundation
import Provisioning

/// `--ledger` for the provisioning commands: where a batch's units are recorded.
struct LedgerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where units are recorded; default: a SQLite file next to the batch.",
                               valueName: "sqlite:PATH|postgres://USER@HOST:PORT/DB"))
    var ledger: String?

    func validate() throws {
        if let ledger, !ledger.hasPrefix("sqlite:"), !ledger.hasPrefix("postgres://"),
           !ledger.hasPrefix("postgresql://") {
            throw ValidationError(
                "--ledger takes sqlite:PATH or postgres://USER@HOST:PORT/DB; '\(ledger)' is neither")
        }
    }

    /// The `--ledger` given, or `BATCH.ledger.sqlite` next to the batch file.
    func open(batchPath: String) throws -> any Ledger {
        try Self.open(ledger, batchPath: batchPath)
    }

    /// A new connection to the ledger `spec` (a `--ledger` value) names; each call opens another.
    static func open(_ spec: String?, batchPath: String) throws -> any Ledger {
        guard let spec else {
            return try SQLiteLedger(path: (batchPath as NSString).deletingPathExtension + ".ledger.sqlite")
        }
        if spec.hasPrefix("sqlite:") { return try SQLiteLedger(path: String(spec.dropFirst("sqlite:".count))) }
        return try PostgresLedger(url: spec)
    }
}

/// `--lease` for the commands that take units: how many units one durable ledger transaction leases.
struct LeaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Units leased per ledger transaction, never more than the run will take (1: one transaction per unit).",
        valueName: "K"))
    var lease = UnitLease.defaultSize

    func validate() throws {
        guard lease >= 1 else { throw ValidationError("--lease must be 1 or more") }
    }

    /// The run's lease on `ledger` for at most `planned` units, shared by its slots.
    func make(ledger: any Ledger, batch: Provisioning.Batch, imageSHA256: String, station: String, planned: Int)
        -> UnitLease
    {
        UnitLease(ledger: ledger, batch: batch, imageSHA256: imageSHA256, run: StationRun(station: station),
                  size: lease, planned: planned)
    }

    /// Returns the units the run never handed out. A failure is only a warning: those units stay reserved and the
    /// station's next run voids them, so nothing is reused, only a few serials are lost.
    static func finish(_ lease: UnitLease) {
        do {
            try lease.returnUnused()
        } catch {
            FileHandle.standardError.write(Data(("warning: \(lease.holding) unused leased unit(s) not returned "
                + "(\(error)); the station's next run voids them\n").utf8))
        }
    }
}
