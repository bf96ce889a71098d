import BoardCatalog
import Foundation

/// Serves a reset board's console (semihosting, and RTT when asked) until the firmware's output decides a verdict
/// or the deadline passes. Shared by `atelier run` and `atelier test`, which only differ in where output goes.
public struct ConsoleSession {
    public let session: DebugSession
    public let board: Board
    /// `semihosting` or `rtt`.
    public let console: String
    public let timeout: TimeInterval

    public init(session: DebugSession, board: Board, console: String, timeout: TimeInterval) {
        self.session = session
        self.board = board
        self.console = console
        self.timeout = timeout
    }

    /// Serves the console until a verdict or the deadline; `output` gets the firmware's bytes as they come.
    /// Once the output decided, the rest of its line is still read (up to a fifth of a second), so a
    /// character-by-character console does not end mid-line. nil: no verdict before the deadline.
    public func watch(_ watcher: inout ConsoleWatcher, output show: ([UInt8]) -> Void) throws
        -> ConsoleWatcher.Verdict?
    {
        let deadline = Date().addingTimeInterval(timeout)
        let semihosting = SemihostingHost(debug: session.debug)
        var rtt: RTTReader?
        var nextRTTSearch = Date()
        var decided: (verdict: ConsoleWatcher.Verdict, until: Date)?
        var lastByte: UInt8 = 0x0A
        func output(_ bytes: [UInt8]) -> ConsoleWatcher.Verdict? {
            show(bytes)
            lastByte = bytes.last ?? lastByte
            return watcher.feed(bytes)
        }
        while Date() < deadline {
            if let decided, lastByte == 0x0A || Date() >= decided.until { return decided.verdict }
            var busy = false
            // Semihosting is always served: a firmware that uses RTT may still exit through SYS_EXIT.
            if let event = try semihosting.poll() {
                busy = true
                switch event {
                case .output(let bytes):
                    if let verdict = output(bytes), decided == nil {
                        decided = (verdict, Date().addingTimeInterval(0.2))
                    }
                case .exit(let success, let reason, let code):
                    let text = "reason \(hex(UInt64(reason), width: 5)) code \(code)"
                    return decided?.verdict ?? watcher.exited(success: success, reason: text)
                case .stopped(let pc, let reason):
                    return decided?.verdict ?? .failed("the core stopped at \(hex(UInt64(pc))): \(reason)")
                }
            }
            if console == "rtt" {
                // The firmware sets the control block up after reset; look again until it appears.
                if rtt == nil, Date() >= nextRTTSearch, let ram = board.chip.ram {
                    let range = UInt32(truncatingIfNeeded: ram.start)..<UInt32(truncatingIfNeeded: ram.end)
                    rtt = try RTTReader.find(in: range, debug: session.debug)
                        .map { RTTReader(debug: session.debug, controlBlock: $0) }
                    nextRTTSearch = Date().addingTimeInterval(0.2)
                }
                if let rtt {
                    let bytes = try rtt.poll()
                    if !bytes.isEmpty {
                        busy = true
                        if let verdict = output(bytes), decided == nil {
                            decided = (verdict, Date().addingTimeInterval(0.2))
                        }
                    }
                }
            }
            if !busy { Thread.sleep(forTimeInterval: 0.001) }
        }
        return decided?.verdict
    }
}
