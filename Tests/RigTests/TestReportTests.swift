import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Rig

@Suite struct TestReportTests {
    static let report = TestReport(rig: "rig.yaml", started: Date(timeIntervalSince1970: 0), slots: [
        SlotResult(slot: "bp-1", board: "bluepill", probe: "AAA", status: .passed,
                   log: UnitTestLog(parsing: "PASS: a < b\nPASS: c\nunit-test: 2 passed, 0 failed\n"),
                   output: "PASS: a < b\nPASS: c\nunit-test: 2 passed, 0 failed\n", seconds: 2, runSeconds: 1),
        SlotResult(slot: "bp-2", board: "bluepill", probe: "BBB", status: .failed, reason: "the firmware failed",
                   log: UnitTestLog(parsing: "PASS: a\nFAIL: x == 1 (line 9)\nunit-test: 1 passed, 1 failed\n"),
                   output: "FAIL: x == 1 (line 9)\n", seconds: 2, runSeconds: 1),
        SlotResult(slot: "f4", board: "stm32f4-discovery", probe: "CCC", status: .unreachable,
                   reason: "no probe matches 'CCC'"),
    ])

    @Test func exitCodes() {
        #expect(Self.report.exitCode == 3)
        var failed = Self.report
        failed.slots.removeLast()
        #expect(failed.exitCode == 1)
        failed.slots.removeLast()
        #expect(failed.exitCode == 0)
    }

    @Test func junitHasASuitePerSlotACasePerTestAndCounts() throws {
        let document = try XMLDocument(xmlString: Self.report.junit())
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        #expect(root.attribute(forName: "tests")?.stringValue == "5")
        #expect(root.attribute(forName: "failures")?.stringValue == "1")
        #expect(root.attribute(forName: "errors")?.stringValue == "1")
        let suites = root.elements(forName: "testsuite")
        #expect(suites.map { $0.attribute(forName: "name")?.stringValue } == ["bp-1", "bp-2", "f4"])
        #expect(suites[0].elements(forName: "testcase").map { $0.attribute(forName: "name")?.stringValue }
                == ["a < b", "c"])
        let failing = suites[1].elements(forName: "testcase")[1]
        #expect(failing.elements(forName: "failure").first?.attribute(forName: "message")?.stringValue
                == "x == 1 (line 9)")
        #expect(suites[1].attribute(forName: "failures")?.stringValue == "1")
        #expect(suites[2].elements(forName: "testcase").first?.elements(forName: "error").count == 1)
        #expect(suites[0].elements(forName: "system-out").first?.stringValue?.contains("PASS: a < b") == true)
    }

    @Test func aFailedRunWithoutFailingLinesStillShowsAFailure() throws {
        let report = TestReport(rig: "r", started: Date(), slots: [
            SlotResult(slot: "s", board: "b", probe: "p", status: .failed, reason: "no summary within 5 s"),
        ])
        let document = try XMLDocument(xmlString: report.junit())
        #expect(document.rootElement()?.attribute(forName: "failures")?.stringValue == "1")
    }

    @Test func jsonRoundTrips() throws {
        let data = try Self.report.json()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(TestReport.self, from: data) == Self.report)
    }
}
