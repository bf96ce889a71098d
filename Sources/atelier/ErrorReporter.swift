import ArgumentParser
import BoardCatalog
import Build
import FirmwareImage
import Flash
import Programmers
import Provisioning
import USB
import Rig
import Scaffold

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
            return Report(message: error.description, hint: nil, exitCode: .badInput)
        case let error as FlashError:
            return flash(error)
        case let error as DFUError:
            return dfu(error)
        case let error as STLinkError:
            return stlink(error)
        case let error as CMSISDAPError:
            return cmsisDAP(error)
        case let error as DebugError:
            return debug(error)
        case let error as ProgrammerError:
            return Report(message: error.description, hint: nil, exitCode: .badInput)
        case let error as USBaspError:
            return usbasp(error)
        case let error as PICOBOOTError:
            return picoboot(error)
        case let error as USBError:
            return Report(message: error.message, hint: error.hint, exitCode: .environment)
        case let error as ProbeSelectorError:
            return probeSelector(error)
        case let error as ScaffoldError:
            return scaffold(error)
        case let error as BuildError:
            return build(error)
        case let error as FirmwareImageError:
            return firmwareImage(error)
        case let error as ProvisioningError:
            return provisioning(error)
        case let error as RigError:
            return rig(error)
        case let error as CommandFailure:
            return Report(message: error.message, hint: error.hint, exitCode: error.exitCode)
        default:
            return nil
        }
    }

    private static func scaffold(_ error: ScaffoldError) -> Report {
        switch error {
        case .io:
            Report(message: error.description, hint: nil, exitCode: .environment)
        case .directoryNotEmpty, .pathEscapes, .missingMemory, .unsupportedLanguage, .unknownTemplate,
            .templateSyntax:
            Report(message: error.description, hint: nil, exitCode: .badInput)
        }
    }

    private static func rig(_ error: RigError) -> Report {
        switch error {
        case .unreadable, .invalid, .duplicateSlot, .unknownSlot:
            Report(message: error.description, hint: nil, exitCode: .badInput)
        case .leaseBusy, .lockFailed:
            Report(message: error.description, hint: nil, exitCode: .environment)
        }
    }

    private static func build(_ error: BuildError) -> Report {
        switch error {
        case .compileFailed, .linkFailed, .toolFailed, .imageConversion:
            Report(message: error.description, hint: nil, exitCode: .refused)
        case .regionOverflow:
            Report(message: error.description, hint: "run 'atelier size' for the use of every region",
                   exitCode: .badInput)
        case .noProject, .invalidManifest, .noSources, .noQEMUMachine, .unreadableELF, .invalidPattern:
            Report(message: error.description, hint: nil, exitCode: .badInput)
        case .toolMissing, .spawnFailed, .io:
            Report(message: error.description, hint: nil, exitCode: .environment)
        }
    }

    /// A malformed, ambiguous or repeated selector is the user's to fix (2); no probe attached is the environment (3).
    private static func probeSelector(_ error: ProbeSelectorError) -> Report {
        switch error {
        case .invalid, .ambiguous, .duplicate:
            Report(message: error.message, hint: error.hint, exitCode: .badInput)
        case .noProbe, .noMatch:
            Report(message: error.message, hint: error.hint, exitCode: .environment)
        }
    }

    private static func flash(_ error: FlashError) -> Report {
        switch error {
        case .outsideFlash, .sourceFailed:
            return Report(message: error.description, hint: nil, exitCode: .badInput)
        case .belowStreamBase:
            return Report(message: error.description, hint: nil, exitCode: .badInput)
        case .verifyMismatch, .unsupported:
            return Report(message: error.description, hint: nil, exitCode: .refused)
        case .interrupted:
            // Unplugged, silent or stalling: the environment. The message says where and what to do.
            return Report(message: error.description, hint: nil, exitCode: .environment)
        case .targetFailed(_, _, let underlying):
            // A device that said no is a 1; a device that went away or never answered is the environment.
            let nested = report(for: underlying)
            return Report(message: error.description, hint: nested?.hint, exitCode: nested?.exitCode ?? .environment)
        }
    }

    private static func dfu(_ error: DFUError) -> Report {
        switch error {
        case .deviceError: Report(message: error.description, hint: nil, exitCode: .refused)
        case .wrongChip: Report(message: error.description, hint: nil, exitCode: .badInput)
        case .notSupported: Report(message: error.description, hint: nil, exitCode: .refused)
        case .transferFailed(_, _, let underlying):
            Report(message: error.description, hint: nil, exitCode: report(for: underlying)?.exitCode ?? .environment)
        case .unexpectedState, .malformedReply, .stuck, .badLayout, .awaitsReset:
            Report(message: error.description, hint: nil, exitCode: .environment)
        }
    }
}

extension ErrorReporter {
    /// A chip or request that does not fit is bad input (2); the target saying no is 1; USB, wiring, power and
    /// probe firmware are the environment (3).
    static func stlink(_ error: STLinkError) -> Report {
        switch error {
        case .usb(let usb):
            Report(message: usb.message, hint: usb.hint, exitCode: .environment)
        case .invalidRequest:
            Report(message: error.description, hint: nil, exitCode: .badInput)
        case .memoryFault:
            Report(message: error.description, hint: nil, exitCode: .refused)
        case .shortReply, .status, .wrongMode, .firmwareTooOld, .noTarget, .targetUnpowered:
            Report(message: error.description, hint: nil, exitCode: .environment)
        }
    }

    /// The shared Cortex-M layer, whatever the probe: the wrong chip or a request that does not fit is bad input
    /// (2); the flash controller or a routine saying no is 1; a core that does not halt is the environment (3).
    static func debug(_ error: DebugError) -> Report {
        switch error {
        case .wrongChip, .invalidRequest, .unsupportedFlashController:
            Report(message: error.description, hint: nil, exitCode: .badInput)
        case .loaderFailed, .flashError:
            Report(message: error.description, hint: nil, exitCode: .refused)
        case .haltTimeout:
            Report(message: error.description, hint: nil, exitCode: .environment)
        }
    }

    /// A bus fault at an address is the target saying no (1); a bad argument is input (2); USB, wiring, a probe
    /// that answers wrongly or a v1 (HID) firmware are the environment (3: device unreachable).
    static func cmsisDAP(_ error: CMSISDAPError) -> Report {
        switch error {
        case .usb(let usb):
            Report(message: usb.message, hint: usb.hint, exitCode: .environment)
        case .invalidRequest:
            Report(message: error.description, hint: nil, exitCode: .badInput)
        case .memoryFault:
            Report(message: error.description, hint: nil, exitCode: .refused)
        case .hidUnsupported, .noInterface, .commandFailed, .malformedResponse, .transferFailed, .noTarget,
             .powerUpFailed:
            Report(message: error.description, hint: nil, exitCode: .environment)
        }
    }

    /// Bad or unreadable image files are bad input (2); only an output that cannot be written is the environment.
    static func firmwareImage(_ error: FirmwareImageError) -> Report {
        switch error {
        case .unwritable:
            Report(message: error.description, hint: "check the folder exists and is writable", exitCode: .environment)
        case .unreadable, .outputExists, .unknownFormat, .needsBaseAddress, .syntax, .malformed,
             .overlappingSegments, .addressOutOfRange, .cannotEncode, .outsideMemory:
            Report(message: error.description, hint: nil, exitCode: .badInput)
        }
    }
}

extension ErrorReporter {
    /// A different AVR is the user's choice of board (2); an AVR or USBasp that does not answer is the
    /// environment (3).
    static func usbasp(_ error: USBaspError) -> Report {
        switch error {
        case .wrongChip: Report(message: error.description, hint: nil, exitCode: .badInput)
        case .notSupported: Report(message: error.description, hint: nil, exitCode: .refused)
        case .targetNotAnswering, .sckRefused, .shortReply:
            Report(message: error.description, hint: nil, exitCode: .environment)
        case .transferFailed(_, _, let underlying):
            Report(message: error.description, hint: nil, exitCode: report(for: underlying)?.exitCode ?? .environment)
        }
    }
}

extension ErrorReporter {
    /// The ROM refusing a command is a 1; the wrong board is the user's (2); no interface or USB trouble is 3.
    static func picoboot(_ error: PICOBOOTError) -> Report {
        switch error {
        case .commandFailed: Report(message: error.description, hint: nil, exitCode: .refused)
        case .wrongChip, .notAnRP2040Board: Report(message: error.description, hint: nil, exitCode: .badInput)
        case .noInterface: Report(message: error.description, hint: nil, exitCode: .environment)
        case .transferFailed(_, _, let underlying):
            Report(message: error.description, hint: nil, exitCode: report(for: underlying)?.exitCode ?? .environment)
        }
    }
}

extension ErrorReporter {
    /// A bad batch is input (2); a ledger that cannot be reached is the environment (3); a full batch or a
    /// ledger conflict is the operation saying no (1).
    static func provisioning(_ error: ProvisioningError) -> Report {
        switch error {
        case .invalidBatch, .unknownKey, .missingKey, .unreadable, .missingValues, .blockTooLarge, .blockOverlapsImage:
            Report(message: error.description, hint: nil, exitCode: .badInput)
        case .ledgerUnavailable:
            Report(message: error.description, hint: "check the --ledger path exists and is writable",
                   exitCode: .environment)
        case .exhausted, .batchComplete, .ledgerConflict, .invalidBlock, .chipAlreadyAssigned, .chipMismatch:
            Report(message: error.description, hint: nil, exitCode: .refused)
        }
    }
}

/// A failure a command reports directly, with the exit code it chose.
struct CommandFailure: Error {
    var message: String
    var hint: String?
    var exitCode: ExitStatus
}
