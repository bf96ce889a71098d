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
    /// The chip's unique ID as read from the device (hex), recorded at reservation; nil for chips without one.
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

/// The record of every unit of every batch, shared by the stations.
///
/// Contract, which every implementation's tests check:
/// - `reserve` is one transaction: it takes the next counter value of the batch, refuses once the batch has
///   `limit` units that are not `failed`, and inserts the row; two callers never get the same serial or MAC
///   (also enforced by unique constraints), and a failed unit's serial is never handed out again. It records
///   `chipUID` and refuses (`chipAlreadyAssigned`) a chip that already has a unit of the batch that is not failed.
/// - `advance` moves a unit one step along `reserved → written → verified → committed` and refuses any other
///   move; `fail` ends an open unit with a cause.
/// - `adopt` hands an open unit of a dead run to a new run, so a restart can finish it.
public protocol Ledger: AnyObject {
    func reserve(
        batch: String, limit: Int, firstSequence: UInt64, imageSHA256: String, chipUID: String?, run: StationRun,
        date: Date, allocate: (UInt64) throws -> (serial: String, mac: String?)
    ) throws -> LedgerUnit
    func advance(_ id: Int64, to state: UnitState, key: PublicKeyRecord?, date: Date) throws
    func fail(_ id: Int64, cause: String, date: Date) throws
    func adopt(_ id: Int64, run: StationRun, date: Date) throws
    func unit(serial: String) throws -> LedgerUnit?
    func units(batch: String) throws -> [LedgerUnit]
}

extension Ledger {
    /// A reservation for a chip without a unique ID.
    public func reserve(
        batch: String, limit: Int, firstSequence: UInt64, imageSHA256: String, run: StationRun, date: Date,
        allocate: (UInt64) throws -> (serial: String, mac: String?)
    ) throws -> LedgerUnit {
        try reserve(batch: batch, limit: limit, firstSequence: firstSequence, imageSHA256: imageSHA256, chipUID: nil,
                    run: run, date: date, allocate: allocate)
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
