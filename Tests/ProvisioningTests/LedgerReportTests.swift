import Foundation
import Testing
@testable import Provisioning

struct LedgerReportTests {
    @Test(arguments: [
        ([], nil, nil),
        ([5.0], 5.0, 5.0),
        ([1, 2, 4, 10], 3.0, 10.0),
        ((1...20).map(Double.init), 10.5, 19.0),  // rank ⌈0.95 · 20⌉ = 19
        ((1...100).map(Double.init), 50.5, 95.0),
    ] as [([Double], Double?, Double?)])
    func medianAndNearestRankP95(values: [Double], median: Double?, p95: Double?) {
        #expect(LedgerReport.median(values) == median)
        #expect(LedgerReport.percentile(values, 95) == p95)
    }

    @Test(arguments: [
        ("verify: verify failed at 0x08000100", "verify"),
        ("void: the station's run 7 died in state written", "void"),
        ("read-back: the identity block read back does not decode", "read-back"),
        ("no category here", "no category here"),
        ("", "unknown"),
    ])
    func aCauseCountsUnderTheCategoryItStartsWith(cause: String, category: String) {
        #expect(LedgerReport.category(of: cause) == category)
    }

    @Test func openUnitsCountInStatesButNotInYield() {
        let start = Date(timeIntervalSince1970: 0)
        func unit(_ state: UnitState, station: String, seconds: Double = 0, cause: String? = nil) -> LedgerUnit {
            LedgerUnit(id: 0, batch: "b", sequence: 0, serial: "", mac: nil, state: state, cause: cause,
                       station: station, host: "h", pid: 1, probe: nil, imageSHA256: "", key: nil,
                       reservedAt: start, updatedAt: start.addingTimeInterval(seconds))
        }
        let report = LedgerReport(batch: "b", target: 5, units: [
            unit(.committed, station: "x", seconds: 2), unit(.written, station: "x"),
            unit(.failed, station: "y", cause: "write: unplugged"), unit(.reserved, station: "y"),
        ])
        #expect(report.total.units == 4 && report.total.yield == 0.5)
        #expect(report.total.count(.written) == 1 && report.total.count(.verified) == 0)
        #expect(report.total.medianSeconds == 2 && report.total.failures == ["write": 1])
        #expect(report.stations.map(\.station) == ["x", "y"] && report.stations.map(\.yield) == [1, 0])
        #expect(report.stations[1].medianSeconds == nil)
    }

    /// A crashed run's voided units (mostly unused leased ones) are identities, not boards: counted apart.
    @Test func voidUnitsAreNeitherFailedBoardsNorPartOfTheYield() {
        let start = Date(timeIntervalSince1970: 0)
        func unit(_ state: UnitState, cause: String? = nil) -> LedgerUnit {
            LedgerUnit(id: 0, batch: "b", sequence: 0, serial: "", mac: nil, state: state, cause: cause,
                       station: "x", host: "h", pid: 1, probe: nil, imageSHA256: "", key: nil,
                       reservedAt: start, updatedAt: start.addingTimeInterval(1))
        }
        let voids = (0..<15).map { _ in unit(.failed, cause: "void: the station's run 7 died in state reserved") }
        let report = LedgerReport(batch: "b", target: 5, units: voids + [
            unit(.committed), unit(.committed), unit(.committed), unit(.failed, cause: "verify: mismatch"),
        ])
        #expect(report.total.units == 19 && report.total.void == 15 && report.total.count(.failed) == 1)
        #expect(report.total.yield == 0.75 && report.total.failures == ["verify": 1])
    }
}
