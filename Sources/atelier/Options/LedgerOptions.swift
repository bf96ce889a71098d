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
