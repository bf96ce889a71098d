import BoardCatalog
import FirmwareImage
import Flash
import Foundation
import Programmers
import USB

/// Runs one slot: takes its lease, finds its probe (refusing a missing, ambiguous or wrong-chip one), flashes the
/// image, resets, and serves the console until the unit-test summary or the timeout. Never throws: every problem
/// becomes the slot's result, so one bad slot cannot stop the others.
public struct SlotRunner: Sendable {
    public var slot: RigSlot
    public var board: Board
    /// The ELF (or HEX, S-record, UF2) to flash.
    public var image: String
    public var timeout: Double
    public var lockDirectory: String
    public var wait: Double
    /// Shared with the other slots of the run, so the rack is scanned once rather than once per slot.
    public var inventory: ProbeInventory

    public init(slot: RigSlot, board: Board, image: String, timeout: Double, lockDirectory: String, wait: Double,
                inventory: ProbeInventory = ProbeInventory()) {
        self.slot = slot
        self.board = board
        self.image = image
        self.timeout = timeout
        self.lockDirectory = lockDirectory
        self.wait = wait
        self.inventory = inventory
    }

    /// A unit-test summary without failures is the pass; `ConsoleWatcher`'s built-in patterns catch the failures.
    static let passed = #"unit-test: \d+ passed, 0 failed"#

    /// `note` gets progress lines (lease waits, flash done) for the caller to show.
    public func run(note: @escaping @Sendable (String) -> Void) -> SlotResult {
        let started = Date()
        var result = SlotResult(slot: slot.name, board: board.id, probe: slot.probe.description, status: .unreachable)
        let lease: SlotLease
        var waited = false
        do {
            lease = try SlotLease.acquire(slot: slot.name, directory: lockDirectory, wait: wait) { text in
                waited = true
                note(text)
            }
        } catch {
            result.reason = error.description
            return result
        }
        defer { lease.release() }
        do {
            // After a wait, the job that held the slot may have changed its probe: only a scan from now on will do.
            let probes = try inventory.probes(scannedSince: waited ? Date() : started)
            let probe = try ProbeSelector.select(slot.probe, from: probes, kinds: ProgrammerRegistry.debugKinds)
            result.probe = probe.description
            let programmer = try ProgrammerRegistry.open(probe, for: board)
            guard let session = programmer.debug else {
                throw RigError.invalid(slot.location, "slot '\(slot.name)': \(probe) has no debug port for a console")
            }
            let firmware = try FirmwareImage.load(image, base: nil)
            let plan = try FlashPlanner(memory: board.memory).plan(firmware.ranges)
            let report = try FlashExecutor(target: programmer.target).run(plan, source: firmware)
            try (programmer.target as? DebugFlashTarget)?.finish()
            note("flashed: \(report.sectorsTouched) sectors, \(report.sectorsSkipped) unchanged")
            try session.debug.reset(halt: false)
            let runStarted = Date()
            var watcher = try ConsoleWatcher(expect: Self.passed, fail: nil)
            var output: [UInt8] = []
            // When each result line arrived, so every JUnit case gets its own time.
            var lineStart = 0
            var lastResult = runStarted
            var times: [Double] = []
            let served = ConsoleSession(session: session, board: board, console: board.console.kind.rawValue,
                                        timeout: timeout)
            let verdict = try served.watch(&watcher) { bytes in
                output += bytes
                while let newline = output[lineStart...].firstIndex(of: 0x0A) {
                    let line = String(decoding: output[lineStart..<newline], as: UTF8.self)
                    lineStart = newline + 1
                    if UnitTestLog.isResultLine(Substring(line.trimmingCharacters(in: .whitespaces))) {
                        times.append(Date().timeIntervalSince(lastResult))
                        lastResult = Date()
                    }
                }
            }
            try? session.close()
            result.runSeconds = Date().timeIntervalSince(runStarted)
            result.output = String(decoding: output, as: UTF8.self)
            result.log = UnitTestLog(parsing: result.output)
            if times.count == result.log.cases.count {
                for index in times.indices { result.log.cases[index].seconds = times[index] }
            }
            switch verdict {
            case .passed:
                result.status = .passed
            case .failed(let line):
                result.status = .failed
                result.reason = "the firmware failed: \(line)"
            case nil:
                result.status = .failed
                result.reason = "no unit-test summary within \(Int(timeout)) s; raise --timeout or check the console"
            }
        } catch let error as ProbeSelectorError {
            result.reason = "slot '\(slot.name)': \(error.description)"
        } catch {
            result.reason = "slot '\(slot.name)': \(error)"
        }
        result.seconds = Date().timeIntervalSince(started)
        return result
    }
}
