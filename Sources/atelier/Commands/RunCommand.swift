import ArgumentParser
import Build
import Foundation

extension Atelier {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build, then run the firmware and judge its console output.",
            discussion: "With --qemu the ELF boots on the board's QEMU machine with semihosting. Exit 0 when "
                + "--expect matched (or the firmware exited 0), 1 on --fail or a failed unit-test summary, "
                + "3 on timeout or when QEMU is missing, 2 when the board has no QEMU machine.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var project: ProjectOptions
        @Flag(help: "Run under QEMU (the only runner so far; probes come with the flash commands).")
        var qemu = false
        @Option(help: "A regular expression; the run passes as soon as the output matches it.") var expect: String?
        @Option(help: "A regular expression; the run fails as soon as the output matches it.") var fail: String?
        @Option(help: "Seconds to wait before giving up.") var timeout: Double = 30

        func validate() throws {
            if !qemu { throw ValidationError("Only --qemu runs are supported yet; add --qemu.") }
            if timeout <= 0 { throw ValidationError("--timeout must be positive.") }
        }

        func run() throws {
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
    }
}
