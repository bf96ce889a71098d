import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The ledger on a PostgreSQL server through postgres-nio: for several stations on several machines.
///
/// Units are handed out with `SELECT … FOR UPDATE SKIP LOCKED` over pre-created `free` slots, so stations never
/// wait for each other's reservation: each takes the lowest slot nobody else holds. Slots are topped up (256 at a
/// time, never past the batch's count) under a per-batch advisory lock, which also replaces the slots of failed
/// units. Each instance
/// holds one connection and is used from one thread; the calls block until the server answers.
public final class PostgresLedger: Ledger {
    let connection: PostgresConnection
    public let location: String

    /// `url` is `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`; TLS is not used (a line's LAN or loopback).
    public init(url: String) throws(ProvisioningError) {
        guard let parts = URLComponents(string: url), parts.scheme == "postgres" || parts.scheme == "postgresql",
              let host = parts.host, let user = parts.user
        else {
            throw .ledgerUnavailable("'\(url)' is not a postgres://USER@HOST:PORT/DATABASE address")
        }
        location = "\(host):\(parts.port ?? 5432)\(parts.path)"
        let database = parts.path.isEmpty ? nil : String(parts.path.dropFirst())
        let configuration = PostgresConnection.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password, database: database,
            tls: .disable)
        do {
            connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1,
                logger: Logger(label: "atelier.ledger")
            ).wait()
        } catch {
            throw .ledgerUnavailable("cannot connect to \(location): \(Self.describe(error))")
        }
        do {
            try createSchema()
        } catch {
            throw .ledgerUnavailable("cannot create the ledger tables on \(location): \(error)")
        }
    }

    deinit {
        try? connection.close().wait()
    }

    /// The SQLite schema plus `free` slots: a slot has no serial until a station reserves it.
    public static let schema = """
        CREATE TABLE IF NOT EXISTS unit (
            id BIGSERIAL PRIMARY KEY,
            batch TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            serial TEXT UNIQUE,
            mac TEXT UNIQUE,
            state TEXT NOT NULL
                CHECK (state IN ('free', 'reserved', 'written', 'verified', 'committed', 'failed')),
            cause TEXT,
            station TEXT,
            host TEXT,
            pid INTEGER,
            probe TEXT,
            chip_uid TEXT,
            image_sha256 TEXT,
            key_algorithm TEXT,
            public_key TEXT,
            fingerprint TEXT,
            reserved_at DOUBLE PRECISION,
            updated_at DOUBLE PRECISION NOT NULL,
            UNIQUE (batch, sequence),
            CHECK (state = 'free' OR serial IS NOT NULL)
        );
        CREATE INDEX IF NOT EXISTS unit_free ON unit (batch, sequence) WHERE state = 'free';
        """

    /// The chip's unique ID, added to tables made before it: at most one unit per chip among a batch's units that
    /// are neither free nor failed.
    public static let chipSchema = """
        CREATE UNIQUE INDEX IF NOT EXISTS unit_chip ON unit (batch, chip_uid)
            WHERE state NOT IN ('free', 'failed') AND chip_uid IS NOT NULL;
        """

    func createSchema() throws {
        // Stations may create the tables at the same moment; the advisory lock makes the IF NOT EXISTS safe.
        try transaction {
            try run("SELECT pg_advisory_xact_lock(7102)")
            for statement in Self.schema.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                try run(String(statement))
            }
            // ALTER TABLE locks out every reader even when the column exists, which deadlocks against a station
            // mid-reservation; so it runs only on a table made before the column.
            let hasChip = try run("""
                SELECT 1 FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = 'unit' AND column_name = 'chip_uid'
                """)
            if hasChip.isEmpty { try run("ALTER TABLE unit ADD COLUMN chip_uid TEXT") }
            try run(Self.chipSchema)
        }
    }

    public func reserve(
        batch: String, limit: Int, firstSequence: UInt64, imageSHA256: String, chipUID: String?,
        run station: StationRun, date: Date, allocate: (UInt64) throws -> (serial: String, mac: String?)
    ) throws -> LedgerUnit {
        let id: Int64 = try transaction {
            if let chipUID, let serial = try run("""
                SELECT serial FROM unit WHERE batch = $1 AND chip_uid = $2 AND state NOT IN ('free', 'failed')
                """, [.init(string: batch), .init(string: chipUID)]).first?.column("serial")?.string {
                throw ProvisioningError.chipAlreadyAssigned(chipUID: chipUID, serial: serial)
            }
            var slot = try freeSlot(batch)
            if slot == nil {
                try topUp(batch: batch, limit: limit, firstSequence: firstSequence, date: date)
                slot = try freeSlot(batch)
            }
            guard let (id, sequence) = slot else { throw ProvisioningError.batchComplete(count: limit) }
            let (serial, mac) = try allocate(sequence)
            try run("""
                UPDATE unit SET state = 'reserved', serial = $1, mac = $2, station = $3, host = $4, pid = $5,
                    probe = $6, image_sha256 = $7, reserved_at = $8, updated_at = $8, chip_uid = $10
                WHERE id = $9
                """, [.init(string: serial), mac.map { .init(string: $0) } ?? .null, .init(string: station.station),
                      .init(string: station.host), .init(int32: station.pid),
                      station.probe.map { .init(string: $0) } ?? .null, .init(string: imageSHA256),
                      .init(double: date.timeIntervalSince1970), .init(int64: id),
                      chipUID.map { .init(string: $0) } ?? .null])
            return id
        }
        guard let unit = try fetch("SELECT * FROM unit WHERE id = $1", [.init(int64: id)]).first else {
            throw ProvisioningError.ledgerConflict("the reserved row \(id) vanished")
        }
        return unit
    }

    /// The lowest free slot no other station has locked, locked for this transaction.
    private func freeSlot(_ batch: String) throws -> (Int64, UInt64)? {
        let rows = try run("""
            SELECT id, sequence FROM unit WHERE batch = $1 AND state = 'free'
            ORDER BY sequence LIMIT 1 FOR UPDATE SKIP LOCKED
            """, [.init(string: batch)])
        guard let row = rows.first, let id = row.column("id")?.int64, let sequence = row.column("sequence")?.int64
        else { return nil }
        return (id, UInt64(sequence))
    }

    /// Free slots one top-up creates at most: a batch of a million units grows its slots as stations use them,
    /// instead of inserting them all in one transaction while every other station waits on the lock.
    static let slotsPerTopUp: Int64 = 256

    /// Creates free slots, numbered after the last one, without the batch passing `limit` units that are not failed.
    private func topUp(batch: String, limit: Int, firstSequence: UInt64, date: Date) throws {
        try run("SELECT pg_advisory_xact_lock(hashtext($1))", [.init(string: batch)])
        let rows = try run("""
            SELECT COUNT(*) FILTER (WHERE state != 'failed') AS active, MAX(sequence) AS last
            FROM unit WHERE batch = $1
            """, [.init(string: batch)])
        let active = rows.first?.column("active")?.int64 ?? 0
        let next = rows.first?.column("last")?.int64.map { $0 + 1 } ?? Int64(firstSequence)
        let missing = min(Int64(limit) - active, Self.slotsPerTopUp)
        guard missing > 0 else { return }
        try run("""
            INSERT INTO unit (batch, sequence, state, updated_at)
            SELECT $1, s, 'free', $4 FROM generate_series($2::BIGINT, $3::BIGINT) AS s
            ON CONFLICT DO NOTHING
            """, [.init(string: batch), .init(int64: next), .init(int64: next + missing - 1),
                  .init(double: date.timeIntervalSince1970)])
    }

    public func advance(_ id: Int64, to state: UnitState, key: PublicKeyRecord?, date: Date) throws {
        guard let previous = state.predecessor else {
            throw ProvisioningError.ledgerConflict("cannot advance a unit to '\(state.rawValue)'")
        }
        try update(id, from: [previous], what: "move to \(state.rawValue)", sql: """
            UPDATE unit SET state = $1, updated_at = $2, key_algorithm = COALESCE($3, key_algorithm),
                public_key = COALESCE($4, public_key), fingerprint = COALESCE($5, fingerprint)
            WHERE id = $6 AND state = $7
            """, [.init(string: state.rawValue), .init(double: date.timeIntervalSince1970),
                  key.map { .init(string: $0.algorithm) } ?? .null, key.map { .init(string: $0.publicKey) } ?? .null,
                  key.map { .init(string: $0.fingerprint) } ?? .null, .init(int64: id),
                  .init(string: previous.rawValue)])
    }

    public func fail(_ id: Int64, cause: String, date: Date) throws {
        try update(id, from: [.reserved, .written, .verified], what: "fail", sql: """
            UPDATE unit SET state = 'failed', cause = $1, updated_at = $2
            WHERE id = $3 AND state IN ('reserved', 'written', 'verified')
            """, [.init(string: cause), .init(double: date.timeIntervalSince1970), .init(int64: id)])
    }

    public func adopt(_ id: Int64, run station: StationRun, date: Date) throws {
        try update(id, from: [.reserved, .written, .verified], what: "adopt", sql: """
            UPDATE unit SET station = $1, host = $2, pid = $3, probe = $4, updated_at = $5
            WHERE id = $6 AND state IN ('reserved', 'written', 'verified')
            """, [.init(string: station.station), .init(string: station.host), .init(int32: station.pid),
                  station.probe.map { .init(string: $0) } ?? .null, .init(double: date.timeIntervalSince1970),
                  .init(int64: id)])
    }

    public func unit(serial: String) throws -> LedgerUnit? {
        try fetch("SELECT * FROM unit WHERE serial = $1", [.init(string: serial)]).first
    }

    public func units(batch: String) throws -> [LedgerUnit] {
        try fetch("SELECT * FROM unit WHERE batch = $1 AND state != 'free' ORDER BY sequence", [.init(string: batch)])
    }
}
