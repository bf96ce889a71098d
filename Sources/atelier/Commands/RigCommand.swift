import ArgumentParser
import BoardCatalog
import Foundation
import Rig
import USB

extension Atelier {
    struct RigGroup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rig", abstract: "Work with a test rig file (rig.yaml).", subcommands: [Check.self])
    }
}

extension Atelier.RigGroup {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every slot of a rig file against the attached probes.",
            discussion: """
                Each slot's probe must match exactly one attached probe, and that probe must answer with the chip of \
                the slot's board. Exit 0 when every slot is ready, 3 when a slot is missing, ambiguous or has the \
                wrong chip, 2 when the rig file is invalid.
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: "The rig file.") var rig = "rig.yaml"
        @Flag(help: "Only match probes; do not connect to check the chips.") var noConnect = false

        func run() throws {
            let spec = try RigSpec.load(path: rig)
            let check = RigCheck.run(spec, catalog: try global.catalog(), probes: try ProbeScan.run().probes,
                                     connect: !noConnect)
            for finding in check.findings {
                print("\(finding.slot): \(finding.status.rawValue): \(finding.detail)")
            }
            if !check.allOK {
                let bad = check.findings.filter { $0.status != .ok }.map(\.slot)
                throw CommandFailure(message: "\(bad.count) of \(check.findings.count) slots are not ready: "
                                         + bad.joined(separator: ", "),
                                     hint: "run 'atelier probes' and fix the probe selectors in \(rig)",
                                     exitCode: .environment)
            }
        }
    }
}
