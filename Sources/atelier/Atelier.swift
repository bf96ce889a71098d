import ArgumentParser
import Foundation

@main
struct Atelier: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atelier",
        abstract: "Boards, builds, flashing, test rigs and provisioning for microcontroller firmware.",
        discussion: """
            Exit codes: 0 success; 1 the device or a test said no; 2 bad input; 3 environment \
            (no probe, no permission, missing toolchain, USB error, ledger unavailable).
            """,
        version: "0.1.0",
        subcommands: [
            Boards.self, New.self, Build.self, Size.self, Run.self, Image.self, Flash.self, Reset.self, Read.self,
            Erase.self, Probes.self, UdevRules.self, Doctor.self, Provision.self, Test.self, RigGroup.self,
        ]
    )

    /// ArgumentParser exits 64 on usage errors; atelier promises 2 for every kind of bad input.
    static func main() async {
        if FastPath.answered(Array(CommandLine.arguments.dropFirst())) { Foundation.exit(0) }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if let report = ErrorReporter.report(for: error) {
                FileHandle.standardError.write(Data("error: \(report.message)\n".utf8))
                if let hint = report.hint { FileHandle.standardError.write(Data("hint: \(hint)\n".utf8)) }
                Foundation.exit(report.exitCode.rawValue)
            }
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                let stream = code == .success ? FileHandle.standardOutput : FileHandle.standardError
                stream.write(Data((message + "\n").utf8))
            }
            Foundation.exit(code == .validationFailure ? ExitStatus.badInput.rawValue : code.rawValue)
        }
    }
}
