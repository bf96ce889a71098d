import BoardCatalog
import FirmwareImage
import Flash
import Foundation

/// One board of a station's run: the probe it hangs on and how its slot reaches its flash.
public struct StationBoard: Sendable {
    /// The probe as the ledger records it and the output names it.
    public var probe: String
    /// Opens the board's programmer and reads its chip's unique ID, on the slot's thread; a probe that cannot be
    /// reached throws here.
    public var open: @Sendable () throws -> OpenedBoard

    public init(probe: String, open: @escaping @Sendable () throws -> OpenedBoard) {
        self.probe = probe
        self.open = open
    }
}

/// A board's programmer as its slot holds it: the target, its chip's unique ID (nil when the programmer cannot
/// tell chips apart), and whatever keeps the target's USB handle open.
public struct OpenedBoard {
    public var target: FlashTarget
    public var chipUID: String?
    let owner: AnyObject?

    public init(target: FlashTarget, chipUID: String?, owner: AnyObject?) {
        self.target = target
        self.chipUID = chipUID
        self.owner = owner
    }
}

/// How one board of a run ended: an outcome, or the error that stopped it (its unit, if it had reserved one, is
/// `failed` with the cause).
public struct BoardResult: Sendable {
    public var probe: String
    public var result: Result<ProvisionOutcome, any Error>
    /// The last unit the board's ledger row reached, for naming the serial of a board that failed mid-way.
    public var unit: LedgerUnit?
    /// The board's own work: opening, inspecting and provisioning, not the wait for the other boards.
    public var seconds: Double
}

/// Provisions the boards of one station run, `width` at a time, each on a slot thread of its own (`SlotThreads`).
///
/// The run has three steps. Every slot opens its board and reads what it carries (`Provisioner.inspect`); then
/// the dead runs' open units are recovered once for the whole run, sparing each unit a board of this run holds;
/// then every slot provisions its board. Recovering per slot would let one slot void the unit its neighbour's
/// board is about to finish (both see it as an orphan of the dead run, and only one board carries it), and two
/// slots voiding the same orphan would collide in the ledger. A board that fails at any step ends with its error;
/// the others go on.
public struct ProvisionStation: Sendable {
    public var batch: Batch
    public var memory: [MemoryRegion]
    public var image: FirmwareImage
    public var station: String
    /// How many boards are worked on at once.
    public var width: Int
    /// Opens a ledger connection: one per slot, and one for the recovery. `PostgresLedger` keeps one server
    /// connection whose transactions are connection state (BEGIN … COMMIT), so two slots sharing it would run
    /// their statements inside each other's transactions. SQLite gets the same treatment: a connection per slot
    /// makes the slots of one process exactly the stations of separate processes that the ledger's contract and
    /// tests cover (file locks, `BEGIN IMMEDIATE`), rather than a second, in-process way of sharing it.
    public var connect: @Sendable () throws -> any Ledger
    /// Whether a process of this host is alive; tests stand in for dead runs with pids they declare dead.
    public var isAlive: @Sendable (Int32) -> Bool = processIsAlive
    /// Makes each unit's key pair; tests pin it.
    public var factory: IdentityFactory?
    /// The run's units, shared by every slot; nil leases one unit per board.
    public var lease: UnitLease?

    public init(batch: Batch, memory: [MemoryRegion], image: FirmwareImage, station: String, width: Int,
                connect: @escaping @Sendable () throws -> any Ledger) {
        self.batch = batch
        self.memory = memory
        self.image = image
        self.station = station
        self.width = width
        self.connect = connect
    }

    /// Provisions `boards`. `events` gets every board's progress with its probe (nil for the run's recovery),
    /// `finished` each board's result as it ends; both are called from the slot threads, so they must serialise
    /// their output. Returns the results in the order of `boards`.
    public func run(_ boards: [StationBoard], events: @escaping @Sendable (String?, ProvisionEvent) -> Void,
                    finished: @escaping @Sendable (BoardResult) -> Void = { _ in }) -> [BoardResult] {
        let inspected = SlotThreads.map(count: boards.count, width: width) { index in
            let started = Date()
            do {
                let slot = try Slot(board: boards[index], station: self)
                return Inspected.ready(slot, seconds: Date().timeIntervalSince(started))
            } catch {
                let result = BoardResult(probe: boards[index].probe, result: .failure(error), unit: nil,
                                         seconds: Date().timeIntervalSince(started))
                finished(result)
                return Inspected.failed(result)
            }
        }
        let recovery = Result { try recover(inspected, events: { events(nil, $0) }) }
        return SlotThreads.map(count: boards.count, width: width) { index in
            switch inspected[index] {
            case .failed(let result): result
            case .ready(let slot, let seconds): provision(slot, seconds: seconds, recovery: recovery, events: events,
                                                          finished: finished)
            }
        }
    }

    private func provision(_ slot: Slot, seconds: Double, recovery: Result<Void, any Error>,
                           events: @escaping @Sendable (String?, ProvisionEvent) -> Void,
                           finished: @Sendable (BoardResult) -> Void) -> BoardResult {
        let started = Date()
        var last: LedgerUnit?
        let outcome = Result {
            try recovery.get()
            return try slot.provisioner.provision(slot.found, target: slot.opened.target) { event in
                if case .state(let unit, _) = event { last = unit }
                events(slot.board.probe, event)
            }
        }
        let result = BoardResult(probe: slot.board.probe, result: outcome, unit: last,
                                 seconds: seconds + Date().timeIntervalSince(started))
        finished(result)
        return result
    }

    /// Voids the dead runs' open units that no board of this run carries. Only when every board could be read:
    /// a board that could not be opened may be the very chip of such a unit, so its unit waits for a later run.
    private func recover(_ inspected: [Inspected], events: (ProvisionEvent) -> Void) throws {
        let found = inspected.compactMap(\.slot?.found)
        guard found.count == inspected.count else { return }
        try provisioner(run: StationRun(station: station), chipUID: nil).voidOrphans(sparing: found, events: events)
    }

    func provisioner(run: StationRun, chipUID: String?) throws -> Provisioner {
        var provisioner = try Provisioner(batch: batch, memory: memory, image: image, ledger: try connect(), run: run,
                                          factory: factory, chipUID: chipUID)
        provisioner.isAlive = isAlive
        provisioner.lease = lease
        return provisioner
    }
}

/// A slot between the steps of a run: its board opened and inspected, its provisioner and ledger connection.
///
/// Unchecked because the programmer and the ledger connection pass from the thread that inspected the board to
/// the one that provisions it; the first has ended before the second starts (`SlotThreads.map` returns only
/// when every job is done), so they are never used by two threads at once.
private final class Slot: @unchecked Sendable {
    let board: StationBoard
    let opened: OpenedBoard
    let provisioner: Provisioner
    let found: AttachedBoard

    init(board: StationBoard, station: ProvisionStation) throws {
        self.board = board
        opened = try board.open()
        provisioner = try station.provisioner(run: StationRun(station: station.station, probe: board.probe),
                                              chipUID: opened.chipUID)
        found = try provisioner.inspect(opened.target)
    }
}

private enum Inspected: Sendable {
    /// Opened and inspected, after `seconds` of work.
    case ready(Slot, seconds: Double)
    case failed(BoardResult)

    var slot: Slot? {
        if case .ready(let slot, _) = self { slot } else { nil }
    }
}
