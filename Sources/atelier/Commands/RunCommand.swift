import ArgumentParser
import BoardCatalog
import Flash
import Foundation
import Programmers

extension Atelier {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Flash what changed, reset, and show what the firmware prints until it passes, fails or "
                + "times out.",
            discussion: """
                The console is semihosting (the probe serves BKPT 0xAB calls) or RTT, as the board declares. \
                Exit 0 when --expect matched (or the firmware exited normally without --expect); 1 when --fail \
                matched, a unit-test summary reports failures, or the firmware exited with an error; 3 on timeout.
                  atelier run build/fw.elf --board bluepill --expect "Hello from bluepill"
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var probe: ProbeOptions
        @Argument(help: "The firmware: ELF, Intel HEX, S-record or UF2.") var image: String?
        @Option(help: "The board, e.g. bluepill.") var board: String
        @Option(help: ArgumentHelp("Pass when the output matches this regular expression.", valueName: "re"))
        var expect: String?
        @Option(help: ArgumentHelp("Fail when the output matches this regular expression.", valueName: "re"))
        var fail: String?
        @Option(help: ArgumentHelp("Give up after this many seconds (exit 3).", valueName: "s"))
        var timeout: Double = 30
        @Option(help: ArgumentHelp("The console to read: semihosting or rtt (default: the board's).",
                                   valueName: "kind"))
        var console: String?
        @Flag(help: "Flash even if the device does not look like the board's chip.") var force = false

        func validate() throws {
            guard image != nil else {
                throw ValidationError("give the firmware to run (atelier run build/fw.elf --board ID); building "
                                      + "from a project is not wired into 'run' yet")
            }
            guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
            if let console, !["semihosting", "rtt"].contains(console) {
                throw ValidationError("--console takes semihosting or rtt, not '\(console)'")
            }
        }

        func run() throws {
            let board = try global.catalog().board(self.board)
            let path = image ?? ""
            let firmware = try FlashImage(path: path, base: nil)
            let plan = try FlashPlanner(memory: board.memory).plan(firmware.source.ranges)
            var watcher = try ConsoleWatcher(expect: expect, fail: fail)
            let chosen = try probe.choose(kinds: [.stlink])
            let programmer = try ProgrammerRegistry.open(chosen, for: board, force: force)
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
            let verdict = try watch(session, board: board, watcher: &watcher)
            switch verdict {
            case .passed(let line):
                note("passed: \(line)")
            case .failed(let line):
                throw CommandFailure(message: "the firmware failed: \(line)", hint: nil, exitCode: .refused)
            case nil:
                throw CommandFailure(message: "no verdict after \(timeout) s: the firmware neither matched --expect "
                                         + "nor failed nor exited", hint: "raise --timeout, or check the firmware "
                                         + "prints to the board's console (\(board.console.kind.rawValue))",
                                     exitCode: .environment)
            }
        }

        /// Serves the console until a verdict or the deadline; firmware output goes to stdout as it comes.
        private func watch(_ session: DebugSession, board: Board, watcher: inout ConsoleWatcher) throws
            -> ConsoleWatcher.Verdict?
        {
            let deadline = Date().addingTimeInterval(timeout)
            let semihosting = SemihostingHost(debug: session.debug)
            var rtt: RTTReader?
            var nextRTTSearch = Date()
            while Date() < deadline {
                var busy = false
                if let event = try semihosting.poll() {
                    busy = true
                    switch event {
                    case .output(let bytes):
                        show(bytes)
                        if let verdict = watcher.feed(bytes) { return verdict }
                    case .exit(let success, let reason, let code):
                        let text = "reason \(hex(UInt64(reason), width: 5)) code \(code)"
                        return watcher.exited(success: success, reason: text)
                    case .stopped(let pc, let reason):
                        return .failed("the core stopped at \(hex(UInt64(pc))): \(reason)")
                    }
                }
                if (console ?? board.console.kind.rawValue) == "rtt" {
                    if rtt == nil, Date() >= nextRTTSearch, let ram = board.chip.ram {
                        let range = UInt32(ram.start)..<UInt32(ram.end)
                        rtt = try RTTReader.find(in: range, debug: session.debug)
                            .map { RTTReader(debug: session.debug, controlBlock: $0) }
                        nextRTTSearch = Date().addingTimeInterval(0.2)
                    }
                    if let rtt {
                        let bytes = try rtt.poll()
                        if !bytes.isEmpty {
                            busy = true
                            show(bytes)
                            if let verdict = watcher.feed(bytes) { return verdict }
                        }
                    }
                }
                if !busy { Thread.sleep(forTimeInterval: 0.001) }
            }
            return nil
        }

        private func show(_ bytes: [UInt8]) {
            FileHandle.standardOutput.write(Data(bytes))
        }

        private func note(_ text: String) {
            FileHandle.standardError.write(Data("run: \(text)\n".utf8))
        }
    }
}
