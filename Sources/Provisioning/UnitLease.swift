import Foundation

/// A station run's units, leased from the ledger a block at a time and handed out one by one to the run's slots.
///
/// Why: a durable transaction costs a disk flush (milliseconds), and one per unit capped a SQLite ledger at a few
/// hundred allocations a second. A lease of K units is one such transaction; the unit's first durable write of its
/// own is `written`, once its board holds the identity.
///
/// Why it stays safe across a power cut (no serial that may have reached a board is ever handed out again):
/// - A unit still held here was never handed out, so it never reached a board. `returnUnused`, at the clean end of
///   a run, gives exactly those back; the ledger reuses their counter values first, so serials stay dense.
/// - A unit taken with `next` is never returned: it can only move on or fail, even if its board was never written.
/// - If the process dies, its leased units stay `reserved` with no chip: the ledger cannot tell which were handed
///   out, so the station's next run voids them all (`Provisioner`'s orphan rule: failed, cause `void: …`), and
///   their serials are never reused.
///
/// The lease is sized by `size`, and never beyond the units the run still plans to take (`planned`): a run for 3
/// boards leases 3, and a run for one board leases one, exactly as before leases. So a crash voids at most
/// min(`size`, planned) serials, and a batch's last units are not held by a station that cannot use them.
///
/// One lease belongs to one process run and may be shared by its slots (threads): `next` and `returnUnused` are
/// serialised by a lock. It uses its ledger only under that lock, so give it a ledger of its own when the slots'
/// ledger connection serves one caller at a time (PostgreSQL).
public final class UnitLease: @unchecked Sendable {
    /// Enough that a lease's flush is a small share of each unit's cost, few enough that a crash voids few serials.
    public static let defaultSize = 16

    public let ledger: any Ledger
    public let batch: Batch
    public let imageSHA256: String
    /// The run the rows are leased for: the process (station, host, pid); a slot's probe is recorded at `written`.
    public let run: StationRun
    public let size: Int
    let factory: IdentityFactory
    private let lock = NSLock()
    /// Leased, not yet handed out, lowest counter value first.
    private var held: [LedgerUnit] = []
    private var planned: Int?

    /// `planned`: how many units the run means to take at most, or nil when it does not know.
    public init(ledger: any Ledger, batch: Batch, imageSHA256: String, run: StationRun,
                size: Int = defaultSize, planned: Int? = nil) {
        self.ledger = ledger
        self.batch = batch
        self.imageSHA256 = imageSHA256
        self.run = run
        self.size = max(1, size)
        self.planned = planned
        factory = IdentityFactory(batch: batch)
    }

    /// The next unit, `reserved` for this run; a new lease first when none is held. `batchComplete` when the batch
    /// has no unit left.
    public func next(date: Date = Date()) throws -> LedgerUnit {
        lock.lock()
        defer { lock.unlock() }
        if held.isEmpty {
            held = try ledger.lease(
                batch: batch.name, limit: batch.count, firstSequence: batch.identity.serial.first,
                count: min(size, max(1, planned ?? size)), imageSHA256: imageSHA256, run: run, date: date
            ) { sequence in try factory.allocation(sequence: sequence, date: date) }
            guard !held.isEmpty else { throw ProvisioningError.batchComplete(count: batch.count) }
        }
        planned = planned.map { max(0, $0 - 1) }
        return held.removeFirst()
    }

    /// Gives the units never handed out back to the ledger; call it once the run's slots are done. If it cannot
    /// (the ledger is gone), the units stay `reserved` and the station's next run voids them: safe, not dense.
    public func returnUnused() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !held.isEmpty else { return }
        try ledger.release(held.map(\.id), run: run)
        held = []
    }

    /// How many leased units are not handed out yet.
    public var holding: Int {
        lock.lock()
        defer { lock.unlock() }
        return held.count
    }
}
