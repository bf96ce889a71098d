import Foundation

/// What a batch's ledger says: units per state, yield, time per unit and failures by cause, for the whole batch
/// and for each station. Pure: built from the rows `Ledger.units(batch:)` returns, so both ledgers report alike.
///
/// - Yield is first-pass yield: committed units over units that finished on a board (committed or failed); units
///   still open (`reserved`, `written`, `verified`) do not count either way.
/// - A void unit (failed with a `void:` cause) is an identity a dead run left open and that was never found on a
///   board again, mostly a crashed run's unused leased units: it is counted as `void`, not as a failed board, so
///   it is neither in `failed` nor in the failures nor in the yield.
/// - Time per unit is from the moment a board took its unit (its reservation, or its hand-out from a lease) to
///   commit, over committed units: the median, and the 95th percentile by
///   nearest rank (the smallest time that at least 95 % of units took no longer than). A unit finished after a
///   crash counts the time the station was down.
/// - A failure's cause is `category: detail`; failures are counted by category (`verify`, `write`, `void`, …).
public struct LedgerReport: Equatable, Sendable, Codable {
    public struct Figures: Equatable, Sendable, Codable {
        /// The station's name, or nil for the whole batch.
        public var station: String?
        public var units: Int
        /// Every state, zeros included, so a consumer never has to guess a missing key; `failed` without voids.
        public var states: [String: Int]
        /// Units voided after a crash: identities never handed out again, not boards.
        public var void: Int
        public var yield: Double?
        public var medianSeconds: Double?
        public var p95Seconds: Double?
        /// Cause category → number of failed units.
        public var failures: [String: Int]

        enum CodingKeys: String, CodingKey {
            case station, units, states, void, yield, failures
            case medianSeconds = "median_seconds"
            case p95Seconds = "p95_seconds"
        }

        public func count(_ state: UnitState) -> Int { states[state.rawValue] ?? 0 }
    }

    public var batch: String
    /// The batch's target count of units (failed units do not count toward it).
    public var target: Int
    public var total: Figures
    /// One entry per station that holds units, by name.
    public var stations: [Figures]

    public init(batch: String, target: Int, units: [LedgerUnit]) {
        self.batch = batch
        self.target = target
        total = Self.figures(station: nil, units)
        stations = Dictionary(grouping: units, by: \.station).sorted { $0.key < $1.key }
            .map { Self.figures(station: $0.key, $0.value) }
    }

    static func figures(station: String?, _ units: [LedgerUnit]) -> Figures {
        let voided = units.filter(isVoid)
        let boards = units.filter { !isVoid($0) }
        var states = Dictionary(uniqueKeysWithValues: UnitState.allCases.map { ($0.rawValue, 0) })
        for unit in boards { states[unit.state.rawValue, default: 0] += 1 }
        let committed = boards.filter { $0.state == .committed }
        let failed = boards.filter { $0.state == .failed }
        let finished = committed.count + failed.count
        let times = committed.map { $0.updatedAt.timeIntervalSince($0.reservedAt) }.sorted()
        return Figures(
            station: station, units: units.count, states: states, void: voided.count,
            yield: finished == 0 ? nil : Double(committed.count) / Double(finished),
            medianSeconds: median(times), p95Seconds: percentile(times, 95),
            failures: Dictionary(grouping: failed, by: { category(of: $0.cause ?? "") }).mapValues(\.count))
    }

    /// A failed unit whose cause says its identity was voided, not that a board failed.
    static func isVoid(_ unit: LedgerUnit) -> Bool {
        unit.state == .failed && category(of: unit.cause ?? "") == "void"
    }

    /// The middle value of sorted `values` (the mean of the two middle ones for an even count).
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let middle = values.count / 2
        return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    }

    /// The nearest-rank percentile of sorted `values`: the value at rank ⌈p/100 · n⌉.
    static func percentile(_ values: [Double], _ p: Int) -> Double? {
        guard !values.isEmpty else { return nil }
        let rank = (p * values.count + 99) / 100
        return values[max(1, rank) - 1]
    }

    /// The category of a cause written `category: detail`; a cause without one is its own category.
    public static func category(of cause: String) -> String {
        guard let colon = cause.range(of: ": ") else { return cause.isEmpty ? "unknown" : cause }
        return String(cause[..<colon.lowerBound])
    }
}
