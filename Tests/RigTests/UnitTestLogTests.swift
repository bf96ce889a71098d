import Foundation
import Testing
@testable import Rig

@Suite struct UnitTestLogTests {
    @Test func readsCasesAndSummary() {
        let log = UnitTestLog(parsing: "boot\nPASS: add(2, 3) == 5\r\nFAIL: zeroed == 0 (line 34)\nPASS: x\n"
                              + "unit-test: 2 passed, 1 failed\n")
        #expect(log.cases.map(\.name) == ["add(2, 3) == 5", "zeroed == 0", "x"])
        #expect(log.cases.map(\.passed) == [true, false, true])
        #expect(log.cases[1].message == "zeroed == 0 (line 34)")
        #expect(log.summary?.passed == 2)
        #expect(log.summary?.failed == 1)
    }

    @Test func noSummaryWhenTheFirmwareStoppedEarly() {
        let log = UnitTestLog(parsing: "PASS: a\nPASS: b")
        #expect(log.cases.count == 2)
        #expect(log.summary == nil)
    }
}
