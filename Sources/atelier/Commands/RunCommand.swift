import ArgumentParser
import BoardCatalog
import Build
import Foundation

extension Atelier {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build, flash what changed, reset, and judge what the firmware prints.",
            discussion: """
                On a board through its probe (ST-Link): the image is flashed (unchanged sectors skipped), the core \
                reset, and the console the board declares served: semihosting (BKPT 0xAB) or RTT. With --qemu the \
                ELF boots on the board's QEMU machine with semihosting. In a project, IMAGE and --board default to \
                the project's build output and board, and the project is built first. Exit 0 when --expect matched \
                (or the firmware exited normally), 1 on --fail, a failed unit-test summary or a failing exit, \
                3 on timeout (or when QEMU is missing), 2 when the board has no QEMU machine.
                  atelier run fw.elf --board bluepill --expect "Hello from bluepill"
                  atelier run --qemu --expect "Hello"
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var project: ProjectOptions
        @OptionGroup var probe: ProbeOptions
        @OptionGroup var connect: ConnectOptions
        @Argument(help: "The firmware: ELF, Intel HEX, S-record or UF2. Default: the project's.") var image: String?
        @Option(help: "The board, e.g. bluepill. Default: the project's.") var board: String?
        @Flag(help: "Run under the board's QEMU machine instead of on the board.") var qemu = false
        @Option(help: "A regular expression; the run passes as soon as the output matches it.") var expect: String?
        @Option(help: "A regular expression; the run fails as soon as the output matches it.") var fail: String?
        @Option(help: "Seconds to wait before giving up.") var timeout: Double = 30
        @Option(help: ArgumentHelp("The console to read on a board: semihosting or rtt (default: the board's).",
                                   valueName: "kind"))
        var console: String?
        @Flag(help: "Flash even if the device does not look like the board's chip.") var force = false

        func validate() throws {
            if timeout <= 0 { throw ValidationError("--timeout must be positive.") }
            if let console, !["semihosting", "rtt"].contains(console) {
                throw ValidationError("--console takes semihosting or rtt, not '\(console)'")
            }
            if qemu && image != nil { throw ValidationError("--qemu runs the project's build; drop IMAGE.") }
        }

        func run() throws {
            if qemu {
                try runOnQEMU()
            } else {
                try runOnBoard()
            }
        }

        private func runOnQEMU() throws {
            let builder = try project.builder(global)
            guard let machine = builder.board.qemu else {
                let boards = try global.catalog().boards.filter { $0.qemu != nil }.map(\.id)
                throw BuildError.noQEMUMachine(board: builder.board.id, boardsWithQEMU: boards)
            }
            let runner = try QEMURunner()
            let report = try project.build(global)
            if !report.upToDate { BuildOutput.print(report, verbose: false) }
            let elf = (builder.root as NSString).appendingPathComponent(report.outputs["elf"] ?? "")
            FileHandle.standardError.write(Data("running on qemu \(machine) (timeout \(Int(timeout))s)\n".utf8))
            let outcome = try runner.run(
                elf: elf, machine: machine,
                expectations: QEMUExpectations(expect: expect, fail: fail, timeout: timeout)
            ) { text in
                FileHandle.standardOutput.write(Data(text.utf8))
            }
            switch outcome {
            case .passed:
                return
            case .failed(let reason):
                throw CommandFailure(message: "the run failed: \(reason)", hint: nil, exitCode: .refused)
            case .timedOut(let seconds):
                throw CommandFailure(message: "no verdict within \(Int(seconds))s", hint: "raise --timeout, or "
                    + "check that the firmware prints what --expect looks for", exitCode: .environment)
            }
        }

        /// The board and image given, or the project's: built first so what runs is what the sources say.
        func target() throws -> (Board, String) {
            if let image, let board {
                return (try global.catalog().board(board), image)
            }
            let builder: Builder
            do {
                builder = try project.builder(global)
            } catch BuildError.noProject {
                throw ValidationError("Give the IMAGE and --board, or run this inside a project (atelier.yaml).")
            }
            let board = try self.board.map { try global.catalog().board($0) } ?? builder.board
            if let image { return (board, image) }
            let report = try project.build(global)
            if !report.upToDate { BuildOutput.print(report, verbose: false) }
            return (board, (builder.root as NSString).appendingPathComponent(report.outputs["elf"] ?? "firmware.elf"))
        }
    }
}
