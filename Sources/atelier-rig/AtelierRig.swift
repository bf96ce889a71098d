import ArgumentParser
import Foundation
import VirtualRig

/// `atelier-rig`: emulated hardware below the USB boundary, for tests and benchmarks (DESIGN.md section 7).
@main
struct AtelierRig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atelier-rig",
        abstract: "Run a command against emulated USB devices (umockdev).",
        subcommands: [Exec.self, Kinds.self]
    )

    /// Exit codes as in atelier: usage errors and bad input 2 (ArgumentParser's default would be 64),
    /// environment problems 3; `exec` otherwise returns the command's own status.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as VirtualRigError {
            FileHandle.standardError.write(Data("atelier-rig: error: \(error.description)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success || code.rawValue == 0 || error is ExitCode { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code.rawValue == EX_USAGE || code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
