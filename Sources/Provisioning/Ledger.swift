import Foundation

/// Where a unit is in its life: `reserved → written → verified → committed`, or `failed` with a cause.
public enum UnitState: String, Sendable, Codable, CaseIterable {
    case reserved, written, verified, committed, failed

    /// The state a unit must be in to move to this one.
    var predecessor: UnitState? {
        switch self {
        case .reserved: nil
        case .written: .reserved
        case .verified: .written
        case .committed: .verified
        case .failed: nil
        }
    }

    public var isOpen: Bool { self == .reserved || self == .written || self == .verified }
}

/// One ledger row. It never holds a private key: only `PublicKeyRecord` reaches the ledger.
public struct LedgerUnit: Equatable, Sendable, Codable {
    public var id: Int64
    public var batch: String
    public var sequence: UInt64
    public var serial: String
    public var mac: String?
    public var state: UnitState
    public var cause: String?
    public var station: String
    public var host: String
    public var pid: Int32
    public var probe: String?
    /// The chip's unique ID as read from the device (hex), recorded when the unit is `written`; nil before, and for
    /// chips without one.
    public var chipUID: String? = nil
    public var imageSHA256: String
    public var key: PublicKeyRecord?
    public var reservedAt: Date
    public var updatedAt: Date
}

/// Who is asking for units: one run of one station.
public struct StationRun: Equatable, Sendable {
    public var station: String
    public var host: String
    public var pid: Int32
    public var probe: String?

    public init(station: String, host: String = ProcessInfo.processInfo.hostName,
                pid: Int32 = ProcessInfo.processInfo.processIdentifier, probe: String? = nil) {
        self.station = station
        self.host = host
        self.pid = pid
        self.probe = probe
    }
}

/// What the step to `written` records about the board a unit went to. A leased unit may wait in its lease, so its
/// `reservedAt` becomes `takenAt`, the moment a slot took it for a board: time per unit counts the board's work, not
/// the wait.
public struct UnitClaim: Equatable, Sendable {
    /// The chip's unique ID (hex); nil for chips without one.
    public var chipUID: String?
    public var probe: String?
    public var takenAt: Date

    public init(chipUID: String?, probe: String?, takenAt: Date) {
        self.chipUID = chipUID
        self.probe = probe
        self.takenAt = takenAt
    }
}

/// The record of every unit of every batch, shared by the stations.
///
/// Contract, which every implementation's tests check (`LedgerContractTests`):
/// - `lease` is one durable transaction: it takes up to `count` counter values of the batch, those of returned
///   units first (lowest first), then the next ones after the highest ever used, so they are consecutive unless
///   units were returned; and never more than the batch has left: it refuses with `batchComplete` once the batch
///   has `limit` units that are not `failed`, and a held lease counts as taken. It inserts them `reserved` for
///   `run` (its probe, none for a run's shared lease) with no chip. Two callers never get the same serial or MAC
///   (also enforced by unique constraints), and a failed unit's serial is never handed out again. If `allocate`
///   runs out (the counter or MAC range ends) after the first unit, the lease is shorter.
/// - `release` returns units of a live run that never reached a board: each id must still be `reserved` for that
///   run (station, host, pid); it is removed, and its counter value is the first a later lease takes, so serials
///   stay dense. Only the run that leased a unit knows it never handed it out, so only that run releases, and a
///   dead run's units are voided (`fail` with a `void:` cause), never released.
/// - `advance` moves a unit one step along `reserved → written → verified → committed` and refuses any other
///   move; the step to `written` records the claim (chip's unique ID, probe, time taken), and is refused
///   (`ledgerConflict`) when the chip already holds a unit of the batch that is not failed. `fail` ends an open
///   unit with a cause.
/// - `adopt` hands an open unit of a dead run to a new run, so a restart can finish it.
public protocol Ledger: AnyObject {
    func lease(
        batch: String, limit: Int, firstSequence: UInt64, count: Int, imageSHA256: String, run: StationRun,
        date: Date, allocate: (UInt64) throws -> (serial: String, mac: String?)
    ) throws -> [LedgerUnit]
    func release(_ ids: [Int64], run: StationRun) throws
    func advance(_ id: Int64, to state: UnitState, key: PublicKeyRecord?, claim: UnitClaim?, date: Date) throws
    func fail(_ id: Int64, cause: String, date: Date) throws
    func adopt(_ id: Int64, run: StationRun, date: Date) throws
    func unit(serial: String) throws -> LedgerUnit?
    /// The unit of `batch` on chip `chipUID` that is not failed, if any.
    func unit(batch: String, chipUID: String) throws -> LedgerUnit?
    func units(batch: String) throws -> [LedgerUnit]
}

extension Ledger {
    /// A lease of one unit: one durable transaction per unit, as every reservation was before leases.
    public func reserve(
        batch: String, limit: Int, firstSequence: UInt64, imageSHA256: String, run: StationRun, date: Date,
        allocate: (UInt64) throws -> (serial: String, mac: String?)
    ) throws -> LedgerUnit {
        let units = try lease(batch: batch, limit: limit, firstSequence: firstSequence, count: 1,
                              imageSHA256: imageSHA256, run: run, date: date, allocate: allocate)
        guard let unit = units.first else { throw ProvisioningError.batchComplete(count: limit) }
        return unit
    }

    /// A step that records no claim.
    public func advance(_ id: Int64, to state: UnitState, key: PublicKeyRecord?, date: Date) throws {
        try advance(id, to: state, key: key, claim: nil, date: date)
    }

    /// Open units of `batch` left by earlier runs of the same station that are no longer alive on this host.
    /// A unit of this very process (same pid) is never one: the other boards of a parallel run share the pid, and
    /// their units are alive.
    public func orphans(batch: String, run: StationRun, isAlive: (Int32) -> Bool) throws -> [LedgerUnit] {
        try units(batch: batch).filter {
            $0.state.isOpen && $0.station == run.station && $0.pid != run.pid
                && ($0.host != run.host || !isAlive($0.pid))
        }
    }
}

/// Whether process `pid` exists on this host; a process we may not signal still exists.
public func processIsAlive(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
}
