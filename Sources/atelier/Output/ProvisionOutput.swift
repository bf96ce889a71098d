import Flash
import Foundation
import Provisioning

/// What `atelier provision` shows: one line per ledger state on stderr (or JSON lines on stdout), then a result
/// per board, and a summary when the run had several boards. Every line names its board's probe.
///
/// The boards of a parallel run report from their slot threads: one lock orders the lines, so a line is written
/// whole (one write each) and never split by another board's.
///
/// `ATELIER_PROVISION_CRASH_AT=<state>` is the crash-test hook: the process SIGKILLs itself right after a unit
/// reached that state (`reserved`, `written`, `verified`, `committed`; in a run of several boards, the first to get
/// there), or at the first write (`writing`), so tests can check that a restart recovers from a station dying at
/// that point. `ATELIER_PROVISION_CRASH_AFTER=<n>` kills it at the n-th event of the run instead (counting every
/// ledger state, voided unit and flash event of every board, from 1), so tests can pick points at random along the
/// whole run. Neither changes anything when unset.
final class ProvisionOutput: @unchecked Sendable {
    let json: Bool
    let crashAt = ProcessInfo.processInfo.environment["ATELIER_PROVISION_CRASH_AT"]
    let crashAfter = ProcessInfo.processInfo.environment["ATELIER_PROVISION_CRASH_AFTER"].flatMap { Int($0) }
    private let lock = NSLock()
    private var events = 0

    init(json: Bool) {
        self.json = json
    }

    /// `probe` is the board's, nil for the run's own recovery of dead runs' units.
    func handle(_ event: ProvisionEvent, probe: String?) {
        lock.withLock {
            events += 1
            defer { if events == crashAfter { kill(getpid(), SIGKILL) } }
            switch event {
            case .voided(let unit):
                emit(["event": "voided", "serial": unit.serial, "was": unit.state.rawValue, "probe": unit.probe],
                     text: "voided \(unit.serial): left \(unit.state.rawValue) by dead run \(unit.pid)"
                        + (unit.probe.map { " on \($0)" } ?? ""))
            case .state(let unit, let state):
                emit(["event": state.rawValue, "serial": unit.serial, "probe": probe],
                     text: "\(Self.prefix(probe))\(unit.serial): \(state.rawValue)")
                if crashAt == state.rawValue { kill(getpid(), SIGKILL) }
            case .flash(let flash):
                if case .writing = flash, crashAt == "writing" { kill(getpid(), SIGKILL) }
            }
        }
    }

    /// With the crash hook set past the run's last event, says how many events the run had, so a test can
    /// spread its kill points along a whole run.
    func runEnded() {
        lock.withLock {
            guard let crashAfter, events < crashAfter else { return }
            FileHandle.standardError.write(Data("crash hook: the run ended after \(events) events\n".utf8))
        }
    }

    /// A board's result line: its outcome, or (`failure`) the error that stopped it.
    func finished(_ board: BoardResult, failure: ErrorReporter.Report?) {
        lock.withLock {
            switch board.result {
            case .success(let outcome): finished(outcome, probe: board.probe, seconds: board.seconds)
            case .failure: failed(board, report: failure)
            }
        }
    }

    private func finished(_ outcome: ProvisionOutcome, probe: String, seconds: Double) {
        let (result, unit, cause): (String, LedgerUnit, String?) = switch outcome {
        case .committed(let unit): ("committed", unit, nil)
        case .resumed(let unit): ("resumed", unit, nil)
        case .alreadyProvisioned(let unit): ("already-provisioned", unit, nil)
        case .rejected(let unit, let cause): ("rejected", unit, cause)
        }
        if json {
            line(ProvisionSummary(
                result: result, serial: unit.serial, mac: unit.mac, state: unit.state.rawValue, cause: cause,
                station: unit.station, probe: probe, chipUID: unit.chipUID, imageSHA256: unit.imageSHA256,
                publicKey: unit.key?.publicKey, fingerprint: unit.key?.fingerprint, seconds: seconds))
            return
        }
        let time = String(format: "%.2f s", seconds)
        let key = unit.key.map { ", key \($0.algorithm) \($0.fingerprint.prefix(16))…" } ?? ""
        let text = switch outcome {
        case .committed, .resumed: "\(result) \(unit.serial) (MAC \(unit.mac ?? "none")\(key)) in \(time)"
        case .alreadyProvisioned: "skipped: the board is already \(unit.serial), committed \(unit.updatedAt)"
        case .rejected(_, let cause): "rejected \(unit.serial): \(cause)"
        }
        write(FileHandle.standardOutput, Self.prefix(probe) + text)
    }

    /// Only in runs of several boards; a run of one reports its error as every command does.
    private func failed(_ board: BoardResult, report: ErrorReporter.Report?) {
        guard case .failure(let error) = board.result else { return }
        let message = report?.message ?? "\(error)"
        if json {
            line(BoardFailure(probe: board.probe, serial: board.unit?.serial, cause: message,
                              exitCode: report?.exitCode.rawValue ?? ExitStatus.refused.rawValue,
                              seconds: board.seconds))
            return
        }
        let serial = board.unit.map { " \($0.serial)" } ?? ""
        write(FileHandle.standardOutput, "\(Self.prefix(board.probe))failed\(serial): \(message)"
              + (report?.hint.map { " (\($0))" } ?? ""))
    }

    /// The last line of a run of several boards: how many ended how, and how long the run took.
    func summary(_ results: [BoardResult], seconds: Double) {
        var counts: [String: Int] = [:]
        for result in results {
            let name = switch result.result {
            case .success(.committed): "committed"
            case .success(.resumed): "resumed"
            case .success(.alreadyProvisioned): "already-provisioned"
            case .success(.rejected): "rejected"
            case .failure: "failed"
            }
            counts[name, default: 0] += 1
        }
        lock.withLock {
            if json {
                line(RunSummary(boards: results.count, counts: counts, seconds: seconds))
                return
            }
            let parts = ["committed", "resumed", "already-provisioned", "rejected", "failed"].compactMap { name in
                counts[name].map { "\($0) \(name)" }
            }
            write(FileHandle.standardOutput, "provision: \(results.count) boards in "
                  + String(format: "%.2f s", seconds) + ": " + parts.joined(separator: ", "))
        }
    }

    static func prefix(_ probe: String?) -> String { probe.map { "[\($0)] " } ?? "" }

    private func emit(_ fields: [String: String?], text: String) {
        if json {
            line(fields.compactMapValues { $0 })
        } else {
            write(FileHandle.standardError, text)
        }
    }

    private func line<T: Encodable>(_ value: T) { try? JSONOutput.printLine(value) }

    private func write(_ handle: FileHandle, _ text: String) { handle.write(Data((text + "\n").utf8)) }
}

/// A board of a run of several that ended in an error: its probe, the unit it had reached, the error.
struct BoardFailure: Encodable {
    var result = "failed"
    var probe: String
    var serial: String?
    var cause: String
    var exitCode: Int32
    var seconds: Double

    enum CodingKeys: String, CodingKey {
        case result, probe, serial, cause, seconds
        case exitCode = "exit_code"
    }
}

/// The `--json` summary line of a run of several boards.
struct RunSummary: Encodable {
    var event = "summary"
    var boards: Int
    var counts: [String: Int]
    var seconds: Double
}

/// The `--json` result of one unit: public key and fingerprint only, never the private key.
struct ProvisionSummary: Encodable {
    var result: String
    var serial: String
    var mac: String?
    var state: String
    var cause: String?
    var station: String
    var probe: String
    /// The chip's unique ID read from the device (hex); nil for chips without one.
    var chipUID: String?
    var imageSHA256: String
    var publicKey: String?
    var fingerprint: String?
    var seconds: Double

    enum CodingKeys: String, CodingKey {
        case result, serial, mac, state, cause, station, probe, seconds, fingerprint
        case imageSHA256 = "image_sha256"
        case chipUID = "chip_uid"
        case publicKey = "public_key"
    }
}
