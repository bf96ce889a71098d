import Flash
import Foundation
import Provisioning

/// What `atelier provision` shows: one line per ledger state on stderr (or JSON lines on stdout), then a result.
///
/// `ATELIER_PROVISION_CRASH_AT=<state>` is the crash-test hook: the process SIGKILLs itself right after the
/// ledger reached that state (`reserved`, `written`, `verified`), or at the first write (`writing`), so tests can
/// check that a restart recovers from a station dying at that point. `ATELIER_PROVISION_CRASH_AFTER=<n>` kills it
/// at the n-th event of the run instead (counting every ledger state, voided unit and flash event, from 1), so
/// tests can pick points at random along the whole run. Neither changes anything when unset.
final class ProvisionOutput {
    let json: Bool
    let crashAt = ProcessInfo.processInfo.environment["ATELIER_PROVISION_CRASH_AT"]
    let crashAfter = ProcessInfo.processInfo.environment["ATELIER_PROVISION_CRASH_AFTER"].flatMap { Int($0) }
    private var events = 0

    init(json: Bool) {
        self.json = json
    }

    func handle(_ event: ProvisionEvent) {
        events += 1
        defer { if events == crashAfter { kill(getpid(), SIGKILL) } }
        switch event {
        case .voided(let unit):
            emit(["event": "voided", "serial": unit.serial, "was": unit.state.rawValue],
                 text: "voided \(unit.serial): left \(unit.state.rawValue) by dead run \(unit.pid)")
        case .state(let unit, let state):
            emit(["event": state.rawValue, "serial": unit.serial], text: "\(unit.serial): \(state.rawValue)")
            if crashAt == state.rawValue { kill(getpid(), SIGKILL) }
        case .flash(let flash):
            if case .writing = flash, crashAt == "writing" { kill(getpid(), SIGKILL) }
        }
    }

    /// With the crash hook set past the run's last event, says how many events the run had, so a test can
    /// spread its kill points along a whole run.
    func runEnded() {
        guard let crashAfter, events < crashAfter else { return }
        FileHandle.standardError.write(Data("crash hook: the run ended after \(events) events\n".utf8))
    }

    func finished(_ outcome: ProvisionOutcome, probe: String, seconds: Double) throws {
        let (result, unit, cause): (String, LedgerUnit, String?) = switch outcome {
        case .committed(let unit): ("committed", unit, nil)
        case .resumed(let unit): ("resumed", unit, nil)
        case .alreadyProvisioned(let unit): ("already-provisioned", unit, nil)
        case .rejected(let unit, let cause): ("rejected", unit, cause)
        }
        if json {
            try JSONOutput.printLine(ProvisionSummary(
                result: result, serial: unit.serial, mac: unit.mac, state: unit.state.rawValue, cause: cause,
                station: unit.station, probe: probe, chipUID: unit.chipUID, imageSHA256: unit.imageSHA256,
                publicKey: unit.key?.publicKey, fingerprint: unit.key?.fingerprint, seconds: seconds))
            return
        }
        let time = String(format: "%.2f s", seconds)
        let key = unit.key.map { ", key \($0.algorithm) \($0.fingerprint.prefix(16))…" } ?? ""
        switch outcome {
        case .committed, .resumed:
            print("\(result) \(unit.serial) (MAC \(unit.mac ?? "none")\(key)) on \(probe) (\(time))")
        case .alreadyProvisioned:
            print("skipped: the board on \(probe) is already \(unit.serial), committed \(unit.updatedAt)")
        case .rejected(_, let cause):
            print("rejected \(unit.serial) on \(probe): \(cause)")
        }
    }

    private func emit(_ fields: [String: String], text: String) {
        if json {
            try? JSONOutput.printLine(fields)
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }
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
