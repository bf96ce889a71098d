import Foundation
import Provisioning

/// `atelier provision report --units`: every unit of the batch, one row each, in table, JSON or CSV form.
/// Built from `LedgerUnit`, which holds the public key and its fingerprint only, never a private key.
struct ProvisionUnitRow: Encodable {
    var serial: String
    var sequence: UInt64
    var mac: String?
    var state: String
    var cause: String?
    var station: String
    var host: String
    var probe: String?
    /// The chip's unique ID as recorded (hex, or a ROM bootloader's USB serial); nil when the programmer had none.
    var chipUID: String?
    var fingerprint: String?
    var reservedAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case serial, sequence, mac, state, cause, station, host, probe, fingerprint
        case chipUID = "chip_uid"
        case reservedAt = "reserved_at"
        case updatedAt = "updated_at"
    }

    init(_ unit: LedgerUnit) {
        serial = unit.serial
        sequence = unit.sequence
        mac = unit.mac
        state = unit.state.rawValue
        cause = unit.cause
        station = unit.station
        host = unit.host
        probe = unit.probe
        chipUID = unit.chipUID
        fingerprint = unit.key?.fingerprint
        reservedAt = Self.time(unit.reservedAt)
        updatedAt = Self.time(unit.updatedAt)
    }

    /// UTC, to the millisecond: the same instant whichever station's time zone prints it.
    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static let csvHeader = ["serial", "sequence", "mac", "state", "cause", "station", "host", "probe", "chip_uid",
                            "fingerprint", "reserved_at", "updated_at"]

    var csvFields: [String] {
        [serial, "\(sequence)", mac ?? "", state, cause ?? "", station, host, probe ?? "", chipUID ?? "",
         fingerprint ?? "", reservedAt, updatedAt]
    }
}

/// The `--units --json` document.
struct ProvisionUnitsDocument: Encodable {
    var batch: String
    var units: [ProvisionUnitRow]
}

extension ProvisionReportOutput {
    static func unitsText(_ units: [LedgerUnit]) -> String {
        let rows = units.map(ProvisionUnitRow.init).map { row in
            [row.serial, row.state, row.mac ?? "-", row.station, row.probe ?? "-", row.chipUID ?? "-",
             row.fingerprint.map { String($0.prefix(16)) + "…" } ?? "-", row.reservedAt, row.updatedAt,
             row.cause ?? "-"]
        }
        return Table(headers: ["serial", "state", "mac", "station", "probe", "chip id", "fingerprint", "reserved",
                               "updated", "cause"], rows: rows).rendered
    }

    static func unitsCSV(batch: String, _ units: [LedgerUnit]) -> String {
        let lines = [["batch"] + ProvisionUnitRow.csvHeader]
            + units.map { [batch] + ProvisionUnitRow($0).csvFields }
        return lines.map { $0.map(quoted).joined(separator: ",") + "\n" }.joined()
    }
}
