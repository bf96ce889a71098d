import Foundation

/// Reads what atelier's unit-test firmware prints, one line per check and a summary:
///
///     PASS: add(2, 3) == 5
///     FAIL: zeroed == 0 (line 34)
///     unit-test: 4 passed, 1 failed
///
/// Pure, so it is tested with tables. Lines that are neither are kept as the slot's output only.
public struct UnitTestLog: Sendable, Equatable, Codable {
    public struct Case: Sendable, Equatable, Codable {
        public var name: String
        public var passed: Bool
        /// The failure's text (the check and its line), nil when it passed.
        public var message: String?
        /// Seconds from the previous result line (or the reset) to this one, when the lines were timed.
        public var seconds: Double?
    }

    /// Whether a console line is one of the per-test lines.
    public static func isResultLine(_ line: Substring) -> Bool {
        line.hasPrefix("PASS: ") || line.hasPrefix("FAIL: ")
    }

    public var cases: [Case]
    /// The summary line's counts; nil when the firmware never printed one (it crashed or timed out).
    public var summary: (passed: Int, failed: Int)? {
        summaryPassed.flatMap { passed in summaryFailed.map { (passed, $0) } }
    }
    var summaryPassed: Int?
    var summaryFailed: Int?

    public init(parsing text: String) {
        cases = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("PASS: ") {
                cases.append(Case(name: String(line.dropFirst(6)), passed: true, message: nil))
            } else if line.hasPrefix("FAIL: ") {
                let text = String(line.dropFirst(6))
                // "what (line N)": the name is the check, the line goes to the message.
                let name = text.range(of: " (line ", options: .backwards).map { String(text[..<$0.lowerBound]) }
                cases.append(Case(name: name ?? text, passed: false, message: text))
            } else if line.hasPrefix("unit-test: ") {
                let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                if numbers.count >= 2 {
                    summaryPassed = numbers[0]
                    summaryFailed = numbers[1]
                }
            }
        }
    }

    public static func == (lhs: UnitTestLog, rhs: UnitTestLog) -> Bool {
        lhs.cases == rhs.cases && lhs.summaryPassed == rhs.summaryPassed && lhs.summaryFailed == rhs.summaryFailed
    }
}
