import ArgumentParser
import BoardCatalog
import FirmwareImage
import USB

/// The one place that turns a library error into a message, an optional hint and an exit code.
enum ErrorReporter {
    struct Report {
        var message: String
        var hint: String?
        var exitCode: ExitStatus
    }

    /// nil for ArgumentParser's own errors, which it reports itself.
    static func report(for error: Error) -> Report? {
        switch error {
        case let error as BoardCatalogError:
            return boardCatalog(error)
        case let error as USBError:
            return Report(message: error.message, hint: error.hint, exitCode: .environment)
        case let error as ProbeSelectorError:
            return probeSelector(error)
        case let error as CommandFailure:
            return Report(message: error.message, hint: error.hint, exitCode: error.exitCode)
        default:
            return nil
        }
    }

    /// A malformed or ambiguous selector is the user's to fix (2); no probe attached is the environment (3).
    private static func probeSelector(_ error: ProbeSelectorError) -> Report {
        switch error {
        case .invalid, .ambiguous:
            Report(message: error.message, hint: error.hint, exitCode: .badInput)
        case .noProbe, .noMatch:
            Report(message: error.message, hint: error.hint, exitCode: .environment)
        }
    }

    private static func boardCatalog(_ error: BoardCatalogError) -> Report {
        switch error {
        case .unreadable:
            Report(message: error.description, hint: nil, exitCode: .badInput)
        default:
            Report(message: error.description, hint: nil, exitCode: .badInput)
        }
    }
}

/// A failure a command reports directly, with the exit code it chose.
struct CommandFailure: Error {
    var message: String
    var hint: String?
    var exitCode: ExitStatus
}
