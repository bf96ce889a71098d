import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The ledger on a PostgreSQL server through postgres-nio: for several stations on several machines.
///
/// Units are leased with `SELECT … FOR UPDATE SKIP LOCKED` over pre-created `free` slots, so stations never
/// wait for each other's lease: each takes the lowest slots nobody else holds. A returned lease becomes free slots
/// again, which the next lease takes first. Slots are topped up (256 at a
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

    public func lease(
        batch: String, limit: Int, firstSequence: UInt64, count: Int, imageSHA256: String, run station: StationRun,
        date: Date, allocate: (UInt64) throws -> (serial: String, mac: String?)
    ) throws -> [LedgerUnit] {
        let ids: [Int64] = try transaction {
            var slots = try freeSlots(batch, count: count)
            if slots.count < count {
                try topUp(batch: batch, limit: limit, firstSequence: firstSequence, atLeast: count, date: date)
                // Again from the lowest: the slots this transaction already locked come back with the new ones.
                slots = try freeSlots(batch, count: count)
            }
            guard !slots.isEmpty else { throw ProvisioningError.batchComplete(count: limit) }
            var allocations: [(id: Int64, serial: String, mac: String?)] = []
            for (id, sequence) in slots {
                do {
                    let (serial, mac) = try allocate(sequence)
                    allocations.append((id, serial, mac))
                } catch where !allocations.isEmpty {
                    break  // the counter or MAC range ended inside the lease: a shorter lease
                }
            }
            // One statement for the whole lease: a round trip per unit would be most of a lease's time.
            try run("""
                UPDATE unit SET state = 'reserved', serial = v.serial, mac = v.mac, station = $4, host = $5,
                    pid = $6, probe = $7, image_sha256 = $8, reserved_at = $9, updated_at = $9
                FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[]) AS v(id, serial, mac)
                WHERE unit.id = v.id
                """, [Self.bigints(allocations.map(\.id)),
                      PostgresData(array: allocations.map { PostgresData(string: $0.serial) }, elementType: .text),
                      PostgresData(array: allocations.map { $0.mac.map { PostgresData(string: $0) } },
                                   elementType: .text),
                      .init(string: station.station), .init(string: station.host), .init(int32: station.pid),
                      station.probe.map { .init(string: $0) } ?? .null, .init(string: imageSHA256),
                      .init(double: date.timeIntervalSince1970)])
            return allocations.map(\.id)
        }
        let units = try fetch("SELECT * FROM unit WHERE id = ANY($1) ORDER BY sequence", [Self.bigints(ids)])
        guard units.count == ids.count else {
            throw ProvisioningError.ledgerConflict("leased rows \(ids) vanished")
        }
        return units
    }

    /// Returned units become free slots again, so the next lease (any station's) takes their counter values first.
    public func release(_ ids: [Int64], run station: StationRun) throws {
        guard !ids.isEmpty else { return }
        try transaction {
            let freed = try run("""
                UPDATE unit SET state = 'free', serial = NULL, mac = NULL, station = NULL, host = NULL, pid = NULL,
                    probe = NULL, image_sha256 = NULL, reserved_at = NULL, updated_at = $5
                WHERE id = ANY($1) AND state = 'reserved' AND chip_uid IS NULL AND station = $2 AND host = $3
                    AND pid = $4
                RETURNING id
                """, [Self.bigints(ids), .init(string: station.station), .init(string: station.host),
                      .init(int32: station.pid), .init(double: Date().timeIntervalSince1970)])
            guard freed.count == ids.count else {
                throw ProvisioningError.ledgerConflict(
                    "cannot return units \(ids): not all are still reserved for run \(station.pid) of "
                        + station.station)
            }
        }
    }

    /// A BIGINT[] parameter, for `= ANY($n)`.
    static func bigints(_ values: [Int64]) -> PostgresData {
        PostgresData(array: values.map { PostgresData(int64: $0) }, elementType: .int8)
    }

    /// The lowest `count` free slots no other station has locked, locked for this transaction.
    private func freeSlots(_ batch: String, count: Int) throws -> [(Int64, UInt64)] {
        try run("""
            SELECT id, sequence FROM unit WHERE batch = $1 AND state = 'free'
            ORDER BY sequence LIMIT $2 FOR UPDATE SKIP LOCKED
            """, [.init(string: batch), .init(int64: Int64(count))]).compactMap { plainRow in
            let row = plainRow.makeRandomAccess()
            guard let id = row.cell("id")?.int64, let sequence = row.cell("sequence")?.int64 else { return nil }
            return (id, UInt64(sequence))
        }
    }

    /// Free slots one top-up creates at most: a batch of a million units grows its slots as stations use them,
    /// instead of inserting them all in one transaction while every other station waits on the lock.
    static let slotsPerTopUp: Int64 = 256

    /// Creates free slots, numbered after the last one, without the batch passing `limit` units that are not failed
    /// (free slots count: a held lease or a free slot is a unit the batch has promised).
    private func topUp(batch: String, limit: Int, firstSequence: UInt64, atLeast: Int, date: Date) throws {
        try run("SELECT pg_advisory_xact_lock(hashtext($1))", [.init(string: batch)])
        let rows = try run("""
            SELECT COUNT(*) FILTER (WHERE state != 'failed') AS active, MAX(sequence) AS last
            FROM unit WHERE batch = $1
            """, [.init(string: batch)])
        let counts = rows.first?.makeRandomAccess()
        let active = counts?.cell("active")?.int64 ?? 0
        let next = counts?.cell("last")?.int64.map { $0 + 1 } ?? Int64(firstSequence)
        let missing = min(Int64(limit) - active, max(Self.slotsPerTopUp, Int64(atLeast)))
        guard missing > 0 else { return }
        try run("""
            INSERT INTO unit (batch, sequence, state, updated_at)
            SELECT $1, s, 'free', $4 FROM generate_series($2::BIGINT, $3::BIGINT) AS s
            ON CONFLICT DO NOTHING
            """, [.init(string: batch), .init(int64: next), .init(int64: next + missing - 1),
                  .init(double: date.timeIntervalSince1970)])
    }

    public func advance(_ id: Int64, to state: UnitState, key: PublicKeyRecord?, claim: UnitClaim?, date: Date)
        throws
    {
        guard let previous = state.predecessor else {
            throw ProvisioningError.ledgerConflict("cannot advance a unit to '\(state.rawValue)'")
        }
        let claim = state == .written ? claim : nil
        try update(id, from: [previous], what: "move to \(state.rawValue)", sql: """
            UPDATE unit SET state = $1, updated_at = $2, key_algorithm = COALESCE($3, key_algorithm),
                public_key = COALESCE($4, public_key), fingerprint = COALESCE($5, fingerprint),
                chip_uid = COALESCE($8, chip_uid), probe = COALESCE($9, probe),
                reserved_at = COALESCE($10, reserved_at)
            WHERE id = $6 AND state = $7
            """, [.init(string: state.rawValue), .init(double: date.timeIntervalSince1970),
                  key.map { .init(string: $0.algorithm) } ?? .null, key.map { .init(string: $0.publicKey) } ?? .null,
                  key.map { .init(string: $0.fingerprint) } ?? .null, .init(int64: id),
                  .init(string: previous.rawValue), claim?.chipUID.map { .init(string: $0) } ?? .null,
                  claim?.probe.map { .init(string: $0) } ?? .null,
                  claim.map { .init(double: $0.takenAt.timeIntervalSince1970) } ?? .null])
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

    public func unit(batch: String, chipUID: String) throws -> LedgerUnit? {
        try fetch("""
            SELECT * FROM unit WHERE batch = $1 AND chip_uid = $2 AND state NOT IN ('free', 'failed') LIMIT 1
            """, [.init(string: batch), .init(string: chipUID)]).first
    }

    public func units(batch: String) throws -> [LedgerUnit] {
        try fetch("SELECT * FROM unit WHERE batch = $1 AND state != 'free' ORDER BY sequence", [.init(string: batch)])
    }
}
