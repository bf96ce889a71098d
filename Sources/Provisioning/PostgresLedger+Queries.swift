import Foundation
import PostgresNIO

extension PostgresLedger {
    /// Runs one statement and waits for its rows; server errors become `ProvisioningError`s.
    @discardableResult
    func run(_ sql: String, _ binds: [PostgresData] = []) throws -> [PostgresRow] {
        do {
            return try connection.query(sql, binds).wait().rows
        } catch let error as PSQLError {
            let message = error.serverInfo?[.message] ?? Self.describe(error)
            // 23xxx is an integrity constraint: a duplicate serial or MAC, the rule the ledger exists to keep.
            if error.serverInfo?[.sqlState]?.hasPrefix("23") == true {
                throw ProvisioningError.ledgerConflict("\(message) on \(location)")
            }
            throw ProvisioningError.ledgerUnavailable("\(location): \(message)")
        } catch let error as PostgresError {
            // The future-based API reports server errors in this older type.
            if case .server = error, error.code.raw.hasPrefix("23") {
                throw ProvisioningError.ledgerConflict("\(error.description) on \(location)")
            }
            throw ProvisioningError.ledgerUnavailable("\(location): \(error.description)")
        }
    }

    /// `body` inside BEGIN … COMMIT; any error rolls back and is rethrown.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try run("BEGIN")
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            _ = try? run("ROLLBACK")
            throw error
        }
    }

    func update(_ id: Int64, from: [UnitState], what: String, sql: String, _ binds: [PostgresData]) throws {
        let changed = try run(sql + " RETURNING id", binds)
        guard changed.count == 1 else {
            let state = try run("SELECT state FROM unit WHERE id = $1", [.init(int64: id)]).first
                .flatMap { $0.makeRandomAccess().cell("state")?.string }
            let expected = from.map(\.rawValue).joined(separator: " or ")
            throw ProvisioningError.ledgerConflict(
                "cannot \(what) unit \(id): it is \(state ?? "missing"), not \(expected)")
        }
    }

    func fetch(_ sql: String, _ binds: [PostgresData]) throws -> [LedgerUnit] {
        try run(sql, binds).map { plainRow in
            let row = plainRow.makeRandomAccess()
            func text(_ name: String) -> String? { row.cell(name)?.string }
            let key: PublicKeyRecord? = if let algorithm = text("key_algorithm"), let publicKey = text("public_key"),
                let fingerprint = text("fingerprint") {
                PublicKeyRecord(algorithm: algorithm, publicKey: publicKey, fingerprint: fingerprint)
            } else {
                nil
            }
            return LedgerUnit(
                id: row.cell("id")?.int64 ?? 0, batch: text("batch") ?? "",
                sequence: UInt64(max(0, row.cell("sequence")?.int64 ?? 0)), serial: text("serial") ?? "",
                mac: text("mac"), state: text("state").flatMap(UnitState.init(rawValue:)) ?? .failed,
                cause: text("cause"), station: text("station") ?? "", host: text("host") ?? "",
                pid: row.cell("pid")?.int32 ?? 0, probe: text("probe"), chipUID: text("chip_uid"),
                imageSHA256: text("image_sha256") ?? "",
                key: key, reservedAt: Date(timeIntervalSince1970: row.cell("reserved_at")?.double ?? 0),
                updatedAt: Date(timeIntervalSince1970: row.cell("updated_at")?.double ?? 0))
        }
    }

    /// PSQLError's own description hides details on purpose; the server's message is what an operator needs.
    static func describe(_ error: Error) -> String {
        if let error = error as? PSQLError {
            return error.serverInfo?[.message] ?? String(reflecting: error)
        }
        return "\(error)"
    }
}

extension PostgresRandomAccessRow {
    /// The column's value, nil when the row has no such column (postgres-nio's own subscript traps instead).
    func cell(_ name: String) -> PostgresData? {
        contains(name) ? self[data: name] : nil
    }
}
