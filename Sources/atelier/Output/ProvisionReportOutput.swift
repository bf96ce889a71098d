import Foundation
import Provisioning

/// The text and CSV forms of `atelier provision report`; `--json` encodes `LedgerReport` itself.
enum ProvisionReportOutput {
    static let stateColumns: [UnitState] = [.reserved, .written, .verified, .committed, .failed]

    static func text(_ report: LedgerReport) -> String {
        let committed = report.total.count(.committed)
        var lines = ["batch \(report.batch): \(committed) of \(report.target) units committed, "
            + "yield \(percent(report.total.yield))"]
        let rows = report.stations.map { row($0, name: $0.station ?? "") } + [row(report.total, name: "all")]
        lines.append(Table(headers: ["station", "units"] + stateColumns.map(\.rawValue)
                               + ["void", "yield", "median", "p95"], rows: rows).rendered)
        let causes = report.total.failures.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        if !causes.isEmpty {
            lines.append("")
            lines.append(Table(headers: ["failure", "units", "stations"], rows: causes.map { cause, count in
                let stations = report.stations.compactMap { station in
                    station.failures[cause].map { "\(station.station ?? "") \($0)" }
                }
                return [cause, "\(count)", stations.joined(separator: ", ")]
            }).rendered)
        }
        return lines.joined(separator: "\n")
    }

    static func csv(_ report: LedgerReport) -> String {
        let header = ["batch", "station", "units"] + stateColumns.map(\.rawValue)
            + ["void", "yield", "median_s", "p95_s", "failures"]
        let rows = report.stations.map { ($0.station ?? "", $0) } + [("all", report.total)]
        let lines = [header] + rows.map { name, figures in
            [report.batch, name, "\(figures.units)"] + stateColumns.map { "\(figures.count($0))" }
                + ["\(figures.void)", figures.yield.map { String(format: "%.4f", $0) } ?? "",
                   seconds(figures.medianSeconds), seconds(figures.p95Seconds),
                   figures.failures.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                       .joined(separator: ";")]
        }
        return lines.map { $0.map(quoted).joined(separator: ",") + "\n" }.joined()
    }

    private static func row(_ figures: LedgerReport.Figures, name: String) -> [String] {
        [name, "\(figures.units)"] + stateColumns.map { "\(figures.count($0))" }
            + ["\(figures.void)", percent(figures.yield), duration(figures.medianSeconds), duration(figures.p95Seconds)]
    }

    private static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.1f %%", $0 * 100) } ?? "-"
    }

    private static func duration(_ value: Double?) -> String {
        value.map { String(format: "%.2f s", $0) } ?? "-"
    }

    private static func seconds(_ value: Double?) -> String {
        value.map { String(format: "%.3f", $0) } ?? ""
    }

    /// RFC 4180: a field with a comma, quote or line break goes in quotes, its quotes doubled.
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
