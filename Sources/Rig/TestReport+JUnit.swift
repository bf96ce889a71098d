import Foundation

/// JUnit XML in the shape Jenkins, GitLab and GitHub reporters read (the Ant junit schema): one `<testsuite>` per
/// slot, one `<testcase>` per test line, a `<failure>` for each failed check, an `<error>` for a slot that could not
/// run, and the console in `<system-out>`.
extension TestReport {
    public func junit() -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        // An unreachable slot is one more case, in error.
        let tests = slots.reduce(0) { $0 + Self.cases(of: $1).count + ($1.status == .unreachable ? 1 : 0) }
        let failures = slots.reduce(0) { $0 + Self.cases(of: $1).filter { !$0.passed }.count }
        let errors = slots.filter { $0.status == .unreachable }.count
        let time = slots.map(\.seconds).max() ?? 0
        xml += "<testsuites name=\"atelier test\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" "
            + "time=\"\(Self.seconds(time))\">\n"
        let stamp = ISO8601DateFormatter().string(from: started)
        for (index, slot) in slots.enumerated() {
            let cases = Self.cases(of: slot)
            let failed = cases.filter { !$0.passed }.count
            let error = slot.status == .unreachable ? 1 : 0
            // Untimed cases (a report built by hand) share the run's time.
            let each = cases.isEmpty ? 0 : slot.runSeconds / Double(cases.count)
            xml += "  <testsuite name=\"\(escape(slot.slot))\" id=\"\(index)\" package=\"\(escape(slot.board))\" "
                + "hostname=\"\(escape(ProcessInfo.processInfo.hostName))\" timestamp=\"\(stamp)\" "
                + "tests=\"\(cases.count + error)\" failures=\"\(failed)\" errors=\"\(error)\" skipped=\"0\" "
                + "time=\"\(Self.seconds(slot.seconds))\">\n"
            xml += "    <properties>\n"
            xml += "      <property name=\"board\" value=\"\(escape(slot.board))\"/>\n"
            xml += "      <property name=\"probe\" value=\"\(escape(slot.probe))\"/>\n"
            xml += "    </properties>\n"
            for test in cases {
                xml += "    <testcase name=\"\(escape(test.name))\" classname=\"\(escape(slot.slot))\" "
                    + "time=\"\(Self.seconds(test.seconds ?? each))\""
                if test.passed {
                    xml += "/>\n"
                } else {
                    let message = test.message ?? "failed"
                    xml += ">\n      <failure message=\"\(escape(message))\" type=\"failure\">"
                        + "\(escape(message))</failure>\n    </testcase>\n"
                }
            }
            if slot.status == .unreachable {
                let reason = slot.reason ?? "unreachable"
                xml += "    <testcase name=\"(slot)\" classname=\"\(escape(slot.slot))\" time=\"0\">\n"
                    + "      <error message=\"\(escape(reason))\" type=\"unreachable\">\(escape(reason))</error>\n"
                    + "    </testcase>\n"
            }
            xml += "    <system-out>\(escape(slot.output))</system-out>\n"
            xml += "    <system-err>\(escape(slot.reason ?? ""))</system-err>\n"
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    /// The slot's test cases as JUnit will list them: its per-test lines; a failed run with no failing line (a crash,
    /// a timeout, a summary that disagrees) becomes one more failed case so CI never shows it green.
    static func cases(of slot: SlotResult) -> [UnitTestLog.Case] {
        var cases = slot.log.cases
        if slot.status == .failed && !cases.contains(where: { !$0.passed }) {
            cases.append(.init(name: "(run)", passed: false, message: slot.reason ?? "the firmware failed"))
        }
        return cases
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }
}

/// XML-escapes text for an attribute or element; drops control characters XML 1.0 cannot carry.
func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\n", "\t", "\r": out.unicodeScalars.append(scalar)
        default:
            if scalar.value >= 0x20 { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}
