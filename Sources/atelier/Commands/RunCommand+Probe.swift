import BoardCatalog
import Flash
import Foundation
import Programmers

/// `atelier run` on a board through its debug probe: flash what changed, reset, serve the console.
extension Atelier.Run {
    func runOnBoard() throws {
        var watcher = try ConsoleWatcher(expect: expect, fail: fail)
        let (board, path) = try target()
        let firmware = try FlashImage(path: path, base: nil)
        let plan = try FlashPlanner(memory: board.memory).plan(firmware.source.ranges)
        let chosen = try probe.choose(kinds: [.stlink])
        let programmer = try ProgrammerRegistry.open(chosen, for: board, force: force,
                                                     connectUnderReset: connect.underReset)
        guard let session = programmer.debug else {
            throw CommandFailure(message: "\(chosen) has no debug port to read a console through",
                                 hint: "use an ST-Link", exitCode: .environment)
        }
        let report = try FlashExecutor(target: programmer.target, events: FlashProgress(json: false).handle)
            .run(plan, source: firmware.source)
        try (programmer.target as? STM32FlashTarget)?.finish()
        note("flashed \(path): \(report.sectorsTouched) sectors, \(report.sectorsSkipped) unchanged, "
             + "\(report.bytesWritten) bytes written")
        try session.stlink.reset(halt: false)
        let kind = console ?? board.console.kind.rawValue
        switch try watch(session, board: board, console: kind, watcher: &watcher) {
        case .passed(let line):
            note("passed: \(line)")
        case .failed(let line):
            throw CommandFailure(message: "the firmware failed: \(line)", hint: nil, exitCode: .refused)
        case nil:
            throw CommandFailure(message: "no verdict after \(timeout) s: the firmware neither matched --expect "
                                     + "nor failed nor exited", hint: "raise --timeout, or check the firmware "
                                     + "prints to the console atelier reads (\(kind))",
                                 exitCode: .environment)
        }
    }

    /// Serves the console until a verdict or the deadline; firmware output goes to stdout as it comes. Once the
    /// output decided, the rest of its line is still shown (up to a fifth of a second), so a character-by-character
    /// console does not end mid-line.
    private func watch(_ session: DebugSession, board: Board, console: String, watcher: inout ConsoleWatcher)
        throws -> ConsoleWatcher.Verdict?
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

    private func show(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
    }

    private func note(_ text: String) {
        FileHandle.standardError.write(Data("run: \(text)\n".utf8))
    }
}
