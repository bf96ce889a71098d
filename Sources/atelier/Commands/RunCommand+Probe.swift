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
        let chosen = try probe.choose(kinds: ProgrammerRegistry.debugKinds)
        let programmer = try ProgrammerRegistry.open(chosen, for: board, force: force,
                                                     connectUnderReset: connect.underReset)
        guard let session = programmer.debug else {
            throw CommandFailure(message: "\(chosen) has no debug port to read a console through",
                                 hint: "use an ST-Link or a CMSIS-DAP probe", exitCode: .environment)
        }
        let report = try FlashExecutor(target: programmer.target, events: FlashProgress(json: false).handle)
            .run(plan, source: firmware.source)
        try (programmer.target as? DebugFlashTarget)?.finish()
        note("flashed \(path): \(report.sectorsTouched) sectors, \(report.sectorsSkipped) unchanged, "
             + "\(report.bytesWritten) bytes written")
        try session.debug.reset(halt: false)
        let kind = console ?? board.console.kind.rawValue
        let served = ConsoleSession(session: session, board: board, console: kind, timeout: timeout)
        switch try served.watch(&watcher, output: show) {
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

    private func show(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
    }

    private func note(_ text: String) {
        FileHandle.standardError.write(Data("run: \(text)\n".utf8))
    }
}
