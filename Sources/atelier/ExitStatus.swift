/// The exit codes every atelier command uses (DESIGN.md section 3), so CI can act on them.
enum ExitStatus: Int32 {
    case success = 0
    /// The device or a test said no: verify mismatch, test failed, unit rejected.
    case refused = 1
    /// Bad input: usage, invalid YAML, an image that does not fit.
    case badInput = 2
    /// The environment: no probe, no permission, missing toolchain, USB error.
    case environment = 3
}
