import Foundation

/// What happened on one slot during `atelier test`.
public struct SlotResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Every test passed.
        case passed
        /// The firmware ran and some test failed (or it crashed, or printed no summary in time).
        case failed
        /// The slot could not be used: probe missing, wrong chip, lease not granted, flash error.
        case unreachable
    }

    public var slot: String
    public var board: String
    public var probe: String
    public var status: Status
    /// Why the slot failed or was unreachable, in one sentence.
    public var reason: String?
    public var log: UnitTestLog
    /// The firmware's console output, whole.
    public var output: String
    /// Seconds from taking the lease to the verdict, and of the console part alone.
    public var seconds: Double
    public var runSeconds: Double
    /// How many times the slot ran (more than one with `--retries`); the result is the last run's.
    public var attempts = 1

    public init(slot: String, board: String, probe: String, status: Status, reason: String? = nil,
                log: UnitTestLog = UnitTestLog(parsing: ""), output: String = "", seconds: Double = 0,
                runSeconds: Double = 0) {
        self.slot = slot
        self.board = board
        self.probe = probe
        self.status = status
        self.reason = reason
        self.log = log
        self.output = output
        self.seconds = seconds
        self.runSeconds = runSeconds
    }
}

/// All slots of one `atelier test`, and its exit status: 0 all passed, 1 some failed, 3 a slot was unreachable.
public struct TestReport: Sendable, Codable, Equatable {
    public var rig: String
    public var started: Date
    public var slots: [SlotResult]

    public init(rig: String, started: Date, slots: [SlotResult]) {
        self.rig = rig
        self.started = started
        self.slots = slots
    }

    public var exitCode: Int32 {
        if slots.contains(where: { $0.status == .unreachable }) { return 3 }
        return slots.contains(where: { $0.status == .failed }) ? 1 : 0
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}
