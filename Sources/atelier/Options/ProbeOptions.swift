import ArgumentParser
import USB

/// `--probe SEL` for the commands that talk to a board (flash, run): which attached probe to use.
struct ProbeOptions: ParsableArguments {
    @Option(name: .customLong("probe"), help: ArgumentHelp(
        "VID:PID[:SERIAL], a serial, or a port path like usb:1-4.2; needed when several probes are attached.",
        valueName: "sel"))
    var selector: String?

    /// The parsed selector; nil when `--probe` was not given.
    func parsed() throws -> ProbeSelector? {
        try selector.map { text throws(ProbeSelectorError) in try ProbeSelector(parsing: text) }
    }

    func validate() throws {
        do {
            _ = try parsed()
        } catch let error as ProbeSelectorError {
            throw ValidationError(error.description)
        }
    }

    /// Scans USB and picks the one probe the selector names (of `kinds`, when given); refuses with the list of
    /// candidates when none or several match (ErrorReporter: 3 for none, 2 for ambiguous).
    func choose(kinds: Set<ProbeKind>? = nil) throws -> DetectedProbe {
        try ProbeSelector.select(try parsed(), from: try ProbeScan.run().probes, kinds: kinds)
    }
}
