import ArgumentParser
import Foundation

extension Atelier {
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check toolchains, USB access, udev rules and attached probes.",
            discussion: """
                Exits 0 when the essential checks pass (arm-none-eabi-gcc, libusb, /dev/bus/usb) and 3 otherwise; \
                the other checks are advice and never change the exit code.
                """
        )

        @Flag(help: "Print JSON instead of text.") var json = false

        func run() throws {
            let report = DoctorReport.gather(path: ProcessInfo.processInfo.environment["PATH"] ?? "",
                                             isRoot: geteuid() == 0)
            if json {
                try JSONOutput.print(report)
            } else {
                print(render(report))
            }
            if !report.ok { throw ExitCode(ExitStatus.environment.rawValue) }
        }

        private func render(_ report: DoctorReport) -> String {
            var lines: [String] = []
            var section = ""
            for check in report.checks {
                if check.section != section {
                    section = check.section
                    lines.append(section)
                }
                let mark = check.status == .ok ? "ok" : check.status.rawValue.uppercased()
                lines.append("  \(mark.padding(8)) \(check.name.padding(24)) \(check.detail)")
                if let fix = check.fix { lines.append("  \("".padding(8)) \("".padding(24)) fix: \(fix)") }
            }
            lines.append(report.ok ? "all essential checks passed"
                         : "some essential checks failed (exit code 3)")
            return lines.joined(separator: "\n")
        }
    }
}
