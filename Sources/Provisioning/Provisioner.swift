import BoardCatalog
import FirmwareImage
import Flash
import Foundation

/// What happened to the unit on the attached board.
public enum ProvisionOutcome: Equatable, Sendable {
    /// A new identity was written, verified and committed.
    case committed(LedgerUnit)
    /// The board already carries a committed identity of this ledger; nothing was written.
    case alreadyProvisioned(LedgerUnit)
    /// A unit a dead run had written was found on the board, verified and committed.
    case resumed(LedgerUnit)
    /// The board refused the unit (verify failed); the unit is `failed` and its serial is never reused.
    case rejected(LedgerUnit, cause: String)
}

/// What the provisioner reports while it works, for progress lines and the crash-test hook.
public enum ProvisionEvent: Sendable {
    /// An open unit of a dead run that was not on the board: failed, its identity void.
    case voided(LedgerUnit)
    /// A unit reached `state` in the ledger.
    case state(LedgerUnit, UnitState)
    case flash(FlashEvent)
}

/// What an attached board carries before anything is written: its identity block, its chip, and the ledger's
/// unit for that block.
public struct AttachedBoard: Sendable {
    /// The identity block on the board, when one decodes.
    public let block: IdentityBlock?
    /// The chip's unique ID (`OpenedProgrammer.chipUniqueID()`), nil when the programmer cannot tell chips apart.
    public let chipUID: String?
    /// This batch's unit for the block's serial, when the ledger has one.
    public let recorded: LedgerUnit?

    /// The open unit this board holds written on its own chip: one a restart may finish. Only a chip whose ID is
    /// the one recorded is known to be the one the unit was written to; without that the block alone proves
    /// nothing, and the dead run's unit is voided.
    public var resumable: LedgerUnit? {
        guard let recorded, recorded.state == .written || recorded.state == .verified, let chipUID,
              recorded.chipUID == chipUID
        else { return nil }
        return recorded
    }
}

/// Provisions the board behind one `FlashTarget`: recover, reserve, write, verify, commit.
///
/// The device side stays behind `FlashTarget` so this module needs no USB; the CLI opens the programmer.
public struct Provisioner {
    public let batch: Batch
    public let memory: [MemoryRegion]
    public let image: FirmwareImage
    public let ledger: any Ledger
    public let run: StationRun
    public var factory: IdentityFactory
    public var clock: () -> Date = Date.init
    public var isAlive: (Int32) -> Bool = processIsAlive
    public let blockAddress: UInt64
    let blockLimit: Int
    /// The attached chip's unique ID (`OpenedProgrammer.chipUniqueID()`); nil when the programmer cannot tell
    /// chips apart, and then a dead run's unit is never resumed, only voided.
    public var chipUID: String?
    /// The run's lease, shared by its slots; nil leases one unit per board (see `UnitLease`).
    public var lease: UnitLease?

    public init(batch: Batch, memory: [MemoryRegion], image: FirmwareImage, ledger: any Ledger, run: StationRun,
                factory: IdentityFactory? = nil, chipUID: String? = nil) throws(ProvisioningError) {
        self.batch = batch
        self.chipUID = chipUID
        self.memory = memory
        self.image = image
        self.ledger = ledger
        self.run = run
        self.factory = factory ?? IdentityFactory(batch: batch)
        (blockAddress, blockLimit) = try IdentityFactory.placement(
            address: batch.identity.address, memory: memory, location: batch.identity.addressLocation)
        let blockEnd = blockAddress + UInt64(blockLimit)
        if image.segments.contains(where: { $0.address < blockEnd && $0.end > blockAddress }) {
            throw .blockOverlapsImage(address: blockAddress)
        }
    }

    public func provision(target: FlashTarget, events: @escaping (ProvisionEvent) -> Void = { _ in }) throws
        -> ProvisionOutcome
    {
        let board = try inspect(target)
        try voidOrphans(sparing: [board], events: events)
        return try provision(board, target: target, events: events)
    }

    /// What `target`'s board carries before anything is written. A run of several boards inspects all of them
    /// before recovering, so that no slot voids a unit another slot's board is about to finish.
    public func inspect(_ target: FlashTarget) throws -> AttachedBoard {
        let block = try? IdentityBlock(decoding: try target.read(address: blockAddress, count: min(blockLimit, 1024)))
        let recorded = try block.flatMap { try ledger.unit(serial: $0.serial) }.flatMap {
            $0.batch == batch.name ? $0 : nil
        }
        return AttachedBoard(block: block, chipUID: chipUID, recorded: recorded)
    }

    /// Voids the units dead runs of this station left open, but for those that one of `boards` (every board of
    /// this run) can finish: those are its slot's to resume.
    public func voidOrphans(sparing boards: [AttachedBoard], events: (ProvisionEvent) -> Void = { _ in }) throws {
        let spared = Set(boards.compactMap { $0.resumable?.id })
        for orphan in try ledger.orphans(batch: batch.name, run: run, isAlive: isAlive)
        where !spared.contains(orphan.id) {
            let found = boards.contains { $0.chipUID == nil && $0.block?.serial == orphan.serial }
                ? "its board is attached but has no chip ID to prove it is the same chip"
                : "its chip was not found again"
            let cause = "void: the station's run \(orphan.pid) died in state \(orphan.state.rawValue) "
                + "and \(found); identity void, never reused"
            try ledger.fail(orphan.id, cause: cause, date: clock())
            events(.voided(orphan))
        }
    }

    /// Provisions the board `inspect` found on `target`, once the dead runs' units have been recovered.
    public func provision(_ board: AttachedBoard, target: FlashTarget,
                          events: @escaping (ProvisionEvent) -> Void = { _ in }) throws -> ProvisionOutcome {
        if let known = board.recorded {
            // A unit is only ever finished or reported on the chip it was reserved for: the block alone may have
            // been copied, or the board swapped behind the cable.
            if let recorded = known.chipUID, recorded != board.chipUID {
                throw ProvisioningError.chipMismatch(serial: known.serial, recorded: recorded,
                                                     attached: board.chipUID ?? "none")
            }
            if known.state == .committed { return .alreadyProvisioned(known) }
            if let resumable = board.resumable, let block = board.block,
               resumable.pid == run.pid || !isAlive(resumable.pid) {
                return try resume(resumable, block: block, target: target, events: events)
            }
        }
        return try fresh(chipUID: board.chipUID, target: target, events: events)
    }

    private func fresh(chipUID: String?, target: FlashTarget, events: @escaping (ProvisionEvent) -> Void) throws
        -> ProvisionOutcome
    {
        // The chip is refused before a unit is taken, so a refusal costs no serial; the unique index on the
        // chip still catches a race when `written` records it.
        if let chipUID, let holder = try ledger.unit(batch: batch.name, chipUID: chipUID) {
            throw ProvisioningError.chipAlreadyAssigned(chipUID: chipUID, serial: holder.serial)
        }
        let lease = self.lease
            ?? UnitLease(ledger: ledger, batch: batch, imageSHA256: image.sha256, run: run, size: 1)
        var unit = try lease.next(date: clock())
        let claim = UnitClaim(chipUID: chipUID, probe: run.probe, takenAt: clock())
        events(.state(unit, .reserved))
        let block: [UInt8]
        let identity: IdentityBlock
        do {
            identity = try factory.block(serial: unit.serial, mac: unit.mac)
            block = try identity.encoded()
            guard block.count <= blockLimit else {
                throw ProvisioningError.blockTooLarge(size: block.count, limit: blockLimit)
            }
        } catch {
            try ledger.fail(unit.id, cause: "identity: \(error)", date: clock())
            throw error
        }
        let source = try merged(block)
        let executor = FlashExecutor(target: target, events: { events(.flash($0)) })
        do {
            let plan = try FlashPlanner(memory: memory).plan(source.ranges, options: FlashOptions(verify: false))
            _ = try executor.run(plan, source: source)
        } catch {
            try ledger.fail(unit.id, cause: "write: \(error)", date: clock())
            throw error
        }
        unit.key = identity.key?.publicRecord
        try step(&unit, to: .written, claim: claim, events: events)
        return try finish(unit, source: source, identity: identity, target: target, events: events)
    }

    private func resume(_ found: LedgerUnit, block: IdentityBlock, target: FlashTarget,
                        events: @escaping (ProvisionEvent) -> Void) throws -> ProvisionOutcome {
        var unit = found
        try ledger.adopt(unit.id, run: run, date: clock())
        // The block re-encodes to the same bytes, so the whole image can be verified without the private key
        // ever having been stored; a different public key means another identity, which is refused.
        guard block.key?.publicRecord.fingerprint == unit.key?.fingerprint else {
            let cause = "key: the board's key does not match the ledger's fingerprint"
            try ledger.fail(unit.id, cause: cause, date: clock())
            return .rejected(unit, cause: cause)
        }
        let source = try merged(try block.encoded())
        if unit.state == .written {
            if let rejected = try verify(unit, source: source, target: target, events: events) { return rejected }
            try step(&unit, to: .verified, events: events)
        }
        try step(&unit, to: .committed, events: events)
        return .resumed(unit)
    }

    private func finish(_ written: LedgerUnit, source: FirmwareImage, identity: IdentityBlock, target: FlashTarget,
                        events: @escaping (ProvisionEvent) -> Void) throws -> ProvisionOutcome {
        var unit = written
        if let rejected = try verify(unit, source: source, target: target, events: events) { return rejected }
        try step(&unit, to: .verified, events: events)
        // The block as the firmware will read it: decoded from the device, not from what we meant to write.
        let back = try? IdentityBlock(decoding: try target.read(address: blockAddress, count: min(blockLimit, 1024)))
        guard back == identity else {
            let cause = "read-back: the identity block read back does not decode to what was written"
            try ledger.fail(unit.id, cause: cause, date: clock())
            return .rejected(unit, cause: cause)
        }
        try step(&unit, to: .committed, events: events)
        return .committed(unit)
    }

    /// nil when the device matches; a verify mismatch fails the unit, other errors fail it and propagate.
    private func verify(_ unit: LedgerUnit, source: FirmwareImage, target: FlashTarget,
                        events: @escaping (ProvisionEvent) -> Void) throws -> ProvisionOutcome? {
        let executor = FlashExecutor(target: target, events: { events(.flash($0)) })
        do {
            let plan = try FlashPlanner(memory: memory).plan(source.ranges, options: FlashOptions(verify: true))
            _ = try executor.verifyOnly(plan, source: source)
            return nil
        } catch {
            try ledger.fail(unit.id, cause: "verify: \(error)", date: clock())
            if case .verifyMismatch = error {
                var failed = unit
                failed.state = .failed
                failed.cause = "verify: \(error)"
                return .rejected(failed, cause: "\(error)")
            }
            throw error
        }
    }

    private func step(_ unit: inout LedgerUnit, to state: UnitState, claim: UnitClaim? = nil,
                      events: @escaping (ProvisionEvent) -> Void) throws
    {
        try ledger.advance(unit.id, to: state, key: state == .written ? unit.key : nil, claim: claim, date: clock())
        unit.state = state
        if let claim {
            unit.chipUID = claim.chipUID
            unit.probe = claim.probe ?? unit.probe
            unit.reservedAt = claim.takenAt
        }
        events(.state(unit, state))
    }

    /// The image with the identity block as one more segment, verified like the rest.
    func merged(_ block: [UInt8]) throws -> FirmwareImage {
        do {
            return try FirmwareImage(segments: image.segments + [Segment(address: blockAddress, bytes: block)],
                                     entry: image.entry)
        } catch {
            throw ProvisioningError.blockOverlapsImage(address: blockAddress)
        }
    }
}
