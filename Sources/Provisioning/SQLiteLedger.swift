import Foundation
import GRDB

/// The ledger in one SQLite file through GRDB: the default, for one or a few stations on one machine.
///
/// Every process opens its own connection; SQLite's file lock serialises writers, and `lease` takes the write
/// lock up front (`BEGIN IMMEDIATE`) so two stations cannot both read the same "next counter" value. A lease of K
/// units is one such transaction, so one fsync buys K units (see `UnitLease`). WAL mode
/// lets readers (the report) run while a station writes, and a busy handler makes a waiting station queue rather
/// than fail.
public final class SQLiteLedger: Ledger {
    let queue: DatabaseQueue
    public let path: String

    public init(path: String) throws(ProvisioningError) {
        self.path = path
        var configuration = Configuration()
        // SQLite's own busy timeout sleeps 1, 2, 5, 10… ms between tries, while a station holds the write lock for
        // well under a millisecond: polling every 100 µs (for up to 30 s) lets queued stations follow each other
        // at the speed of the disk, not of the back-off.
        configuration.busyMode = .callback { tries in
            usleep(100)
            return tries < 300_000
        }
        configuration.prepareDatabase { db in
            // Survives a power cut without losing a committed transaction.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.enableWAL(queue)
            try Self.createSchema(queue)
        } catch {
            throw .ledgerUnavailable("cannot open the SQLite ledger \(path): \(error)")
        }
    }

    /// Switches the file to WAL once. SQLite does not call the busy handler for this switch, so a station that
    /// opens the ledger while another holds it retries for a while instead of failing.
    static func enableWAL(_ queue: DatabaseQueue) throws {
        for attempt in 0... {
            do {
                try queue.writeWithoutTransaction { db in
                    if try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased() != "wal" {
                        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                    }
                }
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 300 {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// Creates the tables once. Stations may open a new ledger at the same moment, so the check and the creation
    /// are one write-locked transaction (GRDB's migrator checks outside it and races between processes).
    static func createSchema(_ queue: DatabaseQueue) throws {
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                if version == 0 {
                    try db.execute(sql: schema)
                }
                // Version 1 ledgers predate the chip's unique ID: their units keep a null one.
                if version < 2 {
                    try db.execute(sql: chipSchema)
                }
                if version < 3 {
                    try db.execute(sql: returnedSchema)
                    try db.execute(sql: "PRAGMA user_version = 3")
                }
                return .commit
            }
        }
    }

    /// One row per unit; the constraints, not the code, are what make a serial or MAC impossible to hand out twice.
    public static let schema = """
        CREATE TABLE unit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            batch TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            serial TEXT NOT NULL UNIQUE,
            mac TEXT UNIQUE,
            state TEXT NOT NULL CHECK (state IN ('reserved', 'written', 'verified', 'committed', 'failed')),
            cause TEXT,
            station TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            probe TEXT,
            image_sha256 TEXT NOT NULL,
            key_algorithm TEXT,
            public_key TEXT,
            fingerprint TEXT,
            reserved_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            UNIQUE (batch, sequence)
        );
        CREATE INDEX unit_open ON unit (batch, state);
        """

    /// Schema version 2: the chip's unique ID, at most one unit per chip among a batch's units that are not failed.
    public static let chipSchema = """
        ALTER TABLE unit ADD COLUMN chip_uid TEXT;
        CREATE UNIQUE INDEX unit_chip ON unit (batch, chip_uid) WHERE state != 'failed' AND chip_uid IS NOT NULL;
        """

    /// Schema version 3: counter values of returned leases, which the next lease takes first so serials stay dense.
    /// A value is here only while no unit row has it; a lease moves it back into `unit` in the same transaction.
    public static let returnedSchema = """
        CREATE TABLE unit_returned (
            batch TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            PRIMARY KEY (batch, sequence)
        ) WITHOUT ROWID;
        """

    public func lease(
        batch: String, limit: Int, firstSequence: UInt64, count: Int, imageSHA256: String, run: StationRun,
        date: Date, allocate: (UInt64) throws -> (serial: String, mac: String?)
    ) throws -> [LedgerUnit] {
        try guarded {
            try queue.writeWithoutTransaction { db in
                var units: [LedgerUnit] = []
                try db.inTransaction(.immediate) {
                    let active = try Int.fetchOne(db, sql: """
                        SELECT COUNT(*) FROM unit WHERE batch = ? AND state != 'failed'
                        """, arguments: [batch]) ?? 0
                    guard active < limit else { throw ProvisioningError.batchComplete(count: limit) }
                    for sequence in try Self.nextSequences(db, batch: batch, first: firstSequence,
                                                           count: min(count, limit - active)) {
                        let serial: String, mac: String?
                        do {
                            (serial, mac) = try allocate(sequence)
                        } catch where !units.isEmpty {
                            break  // the counter or MAC range ended inside the lease: a shorter lease
                        }
                        // Cached statements: a lease runs these K times while every other station waits.
                        try db.cachedStatement(sql: "DELETE FROM unit_returned WHERE batch = ? AND sequence = ?")
                            .execute(arguments: [batch, Int64(sequence)])
                        try db.cachedStatement(sql: """
                            INSERT INTO unit (batch, sequence, serial, mac, state, station, host, pid, probe,
                                              image_sha256, reserved_at, updated_at)
                            VALUES (?, ?, ?, ?, 'reserved', ?, ?, ?, ?, ?, ?, ?)
                            """).execute(arguments: [batch, Int64(sequence), serial, mac, run.station, run.host,
                                                     run.pid, run.probe, imageSHA256, date.timeIntervalSince1970,
                                                     date.timeIntervalSince1970])
                        units.append(LedgerUnit(
                            id: db.lastInsertedRowID, batch: batch, sequence: sequence, serial: serial, mac: mac,
                            state: .reserved, cause: nil, station: run.station, host: run.host, pid: run.pid,
                            probe: run.probe, imageSHA256: imageSHA256, key: nil,
                            reservedAt: Self.stored(date), updatedAt: Self.stored(date)))
                    }
                    return .commit
                }
                return units
            }
        }
    }

    /// The `count` counter values a lease takes: returned ones first, lowest first, then those after every value
    /// the batch has used (a returned value may be the highest).
    static func nextSequences(_ db: Database, batch: String, first: UInt64, count: Int) throws -> [UInt64] {
        // Values below `first` (a batch file whose counter now starts later) stay returned, never taken.
        let returned = try Int64.fetchAll(db, sql: """
            SELECT sequence FROM unit_returned WHERE batch = ? AND sequence >= ? ORDER BY sequence LIMIT ?
            """, arguments: [batch, Int64(first), count]).map { UInt64(max(0, $0)) }
        let last = try Int64.fetchOne(db, sql: """
            SELECT MAX(s) FROM (SELECT MAX(sequence) AS s FROM unit WHERE batch = ?
                                UNION ALL SELECT MAX(sequence) FROM unit_returned WHERE batch = ?)
            """, arguments: [batch, batch])
        let start = last.map { UInt64(max(0, $0)) + 1 } ?? first
        return returned + (0..<UInt64(max(0, count - returned.count))).map { start + $0 }
    }

    public func release(_ ids: [Int64], run: StationRun) throws {
        guard !ids.isEmpty else { return }
        try guarded {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    for id in ids {
                        guard let row = try Row.fetchOne(db, sql: """
                            SELECT batch, sequence FROM unit WHERE id = ? AND state = 'reserved' AND chip_uid IS NULL
                                AND station = ? AND host = ? AND pid = ?
                            """, arguments: [id, run.station, run.host, run.pid])
                        else {
                            throw ProvisioningError.ledgerConflict(
                                "cannot return unit \(id): it is no longer reserved for run \(run.pid) of "
                                    + run.station)
                        }
                        let batch: String = row["batch"]
                        let sequence: Int64 = row["sequence"]
                        try db.execute(sql: "DELETE FROM unit WHERE id = ?", arguments: [id])
                        try db.execute(sql: "INSERT INTO unit_returned (batch, sequence) VALUES (?, ?)",
                                       arguments: [batch, sequence])
                    }
                    return .commit
                }
            }
        }
    }

    public func advance(_ id: Int64, to state: UnitState, key: PublicKeyRecord?, claim: UnitClaim?, date: Date)
        throws
    {
        guard let previous = state.predecessor else {
            throw ProvisioningError.ledgerConflict("cannot advance a unit to '\(state.rawValue)'")
        }
        let claim = state == .written ? claim : nil
        try update(id, from: [previous], sql: """
            UPDATE unit SET state = ?, updated_at = ?,
                key_algorithm = COALESCE(?, key_algorithm), public_key = COALESCE(?, public_key),
                fingerprint = COALESCE(?, fingerprint), chip_uid = COALESCE(?, chip_uid),
                probe = COALESCE(?, probe), reserved_at = COALESCE(?, reserved_at)
            WHERE id = ? AND state = ?
            """, arguments: [state.rawValue, date.timeIntervalSince1970, key?.algorithm, key?.publicKey,
                             key?.fingerprint, claim?.chipUID, claim?.probe, claim?.takenAt.timeIntervalSince1970,
                             id, previous.rawValue], what: "move to \(state.rawValue)")
    }

    public func fail(_ id: Int64, cause: String, date: Date) throws {
        try update(id, from: [.reserved, .written, .verified], sql: """
            UPDATE unit SET state = 'failed', cause = ?, updated_at = ?
            WHERE id = ? AND state IN ('reserved', 'written', 'verified')
            """, arguments: [cause, date.timeIntervalSince1970, id], what: "fail")
    }

    public func adopt(_ id: Int64, run: StationRun, date: Date) throws {
        try update(id, from: [.reserved, .written, .verified], sql: """
            UPDATE unit SET station = ?, host = ?, pid = ?, probe = ?, updated_at = ?
            WHERE id = ? AND state IN ('reserved', 'written', 'verified')
            """, arguments: [run.station, run.host, run.pid, run.probe, date.timeIntervalSince1970, id],
            what: "adopt")
    }

    public func unit(serial: String) throws -> LedgerUnit? {
        try guarded {
            try queue.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM unit WHERE serial = ?", arguments: [serial]).map(Self.unit)
            }
        }
    }

    public func unit(batch: String, chipUID: String) throws -> LedgerUnit? {
        try guarded {
            try queue.read { db in
                try Row.fetchOne(db, sql: """
                    SELECT * FROM unit WHERE batch = ? AND chip_uid = ? AND state != 'failed' LIMIT 1
                    """, arguments: [batch, chipUID]).map(Self.unit)
            }
        }
    }

    public func units(batch: String) throws -> [LedgerUnit] {
        try guarded {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM unit WHERE batch = ? ORDER BY sequence", arguments: [batch])
                    .map(Self.unit)
            }
        }
    }

    private func update(_ id: Int64, from: [UnitState], sql: String, arguments: StatementArguments, what: String)
        throws
    {
        try guarded {
            try queue.write { db in
                try db.execute(sql: sql, arguments: arguments)
                guard db.changesCount == 1 else {
                    let state = try String.fetchOne(db, sql: "SELECT state FROM unit WHERE id = ?", arguments: [id])
                    let expected = from.map(\.rawValue).joined(separator: " or ")
                    throw ProvisioningError.ledgerConflict(
                        "cannot \(what) unit \(id): it is \(state ?? "missing"), not \(expected)")
                }
            }
        }
    }

    /// Constraint violations become conflicts, anything else from SQLite means the file is the problem.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ProvisioningError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw ProvisioningError.ledgerConflict("\(error.message ?? "constraint violated") in \(path)")
        } catch {
            throw ProvisioningError.ledgerUnavailable("\(path): \(error)")
        }
    }

    /// `date` as a row stores it (seconds as a double), so a unit built in memory equals the one read back.
    static func stored(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970)
    }

    static func unit(_ row: Row) -> LedgerUnit {
        let algorithm: String? = row["key_algorithm"]
        let publicKey: String? = row["public_key"]
        let fingerprint: String? = row["fingerprint"]
        let key = zip3(algorithm, publicKey, fingerprint).map {
            PublicKeyRecord(algorithm: $0.0, publicKey: $0.1, fingerprint: $0.2)
        }
        let state: String = row["state"]
        let sequence: Int64 = row["sequence"]
        let reserved: Double = row["reserved_at"]
        let updated: Double = row["updated_at"]
        return LedgerUnit(
            id: row["id"], batch: row["batch"], sequence: UInt64(max(0, sequence)), serial: row["serial"],
            mac: row["mac"], state: UnitState(rawValue: state) ?? .failed, cause: row["cause"],
            station: row["station"], host: row["host"], pid: row["pid"], probe: row["probe"],
            chipUID: row["chip_uid"], imageSHA256: row["image_sha256"], key: key, reservedAt: Date(timeIntervalSince1970: reserved),
            updatedAt: Date(timeIntervalSince1970: updated))
    }
}

private func zip3<A, B, C>(_ a: A?, _ b: B?, _ c: C?) -> (A, B, C)? {
    guard let a, let b, let c else { return nil }
    return (a, b, c)
}
