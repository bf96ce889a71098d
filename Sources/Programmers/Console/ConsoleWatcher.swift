import Foundation

/// Decides when a run is over from what the firmware prints: `--expect` matched, `--fail` matched, or a unit-test
/// summary with failures. Pure: fed text, returns a verdict, so it is tested with tables.
public struct ConsoleWatcher {
    public enum Verdict: Equatable, Sendable {
        case passed(String)
        case failed(String)
    }

    /// atelier's unit-test template summary ("unit-test: 4 passed, 1 failed", as the QEMU runner reads it), a
    /// Unity-style one ("3 Tests 1 Failures 0 Ignored") with failures, or a line that is just FAIL/FAILED: what
    /// test runners print when a test failed, checked even without `--fail`.
    public static let defaultFailure =
        #"(?m)unit-test: \d+ passed, [1-9]\d* failed|^\s*\d+ Tests [1-9]\d* Failures|^(FAIL|FAILED)\s*$"#

    let expect: NSRegularExpression?
    let fail: NSRegularExpression?
    let builtInFailure: NSRegularExpression?
    /// Text seen so far, kept to the last 64 KiB so a chatty firmware cannot grow it without bound.
    public private(set) var text = ""

    /// Throws `invalidRequest` naming the pattern that does not compile.
    public init(expect: String?, fail: String?) throws {
        self.expect = try expect.map(Self.compile)
        self.fail = try fail.map(Self.compile)
        builtInFailure = try Self.compile(Self.defaultFailure)
    }

    static func compile(_ pattern: String) throws -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        } catch {
            throw DebugError.invalidRequest("'\(pattern)' is not a regular expression: \(error.localizedDescription)")
        }
    }

    /// Adds output; returns a verdict once one is reached. Failure wins when both match the same text.
    public mutating func feed(_ bytes: [UInt8]) -> Verdict? {
        text += String(decoding: bytes, as: UTF8.self)
        if text.utf8.count > 65536 { text = String(text.suffix(32768)) }
        for pattern in [fail, builtInFailure].compactMap({ $0 }) {
            if let line = Self.match(pattern, in: text) { return .failed(line) }
        }
        if let expect, let line = Self.match(expect, in: text) { return .passed(line) }
        return nil
    }

    /// The firmware exited: success only counts when nothing more was expected.
    public func exited(success: Bool, reason: String) -> Verdict {
        guard success else { return .failed("the firmware exited with \(reason)") }
        return expect == nil ? .passed("the firmware exited normally")
            : .failed("the firmware exited before printing what --expect asks for")
    }

    static func match(_ pattern: NSRegularExpression, in text: String) -> String? {
        let range = NSRange(text.startIndex..., in: text)
        guard let found = pattern.firstMatch(in: text, range: range), let span = Range(found.range, in: text) else {
            return nil
        }
        return String(text[span])
    }
}
