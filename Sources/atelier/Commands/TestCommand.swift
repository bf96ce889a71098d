import ArgumentParser
import BoardCatalog
import Build
import Flash
import Foundation
import Rig

extension Atelier {
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Flash and run the project's unit tests on every slot of a rig, in parallel.",
            discussion: """
                Builds the project once per board of the chosen slots, then, for each slot at once: takes its lease \
                (waiting up to --wait s while another job holds it), checks its probe and chip, flashes, resets and \
                reads the unit-test lines over the console. Writes one JUnit XML (a testsuite per slot) and one \
                JSON report. Exit 0 when every test passed, 1 when some failed, 3 when a slot could not be reached.
                  atelier test --rig rig.yaml --junit junit.xml --json report.json
                  atelier test --tag f4 --timeout 20
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var project: ProjectOptions
        @Option(help: "The rig file.") var rig = "rig.yaml"
        @Option(parsing: .upToNextOption, help: "Only these slots.") var slots: [String] = []
        @Option(help: "Only the slots with this tag.") var tag: String?
        @Option(help: "Write a JUnit XML report here.") var junit: String?
        @Option(help: "Write a JSON report here.") var json: String?
        @Option(help: "Seconds each slot's firmware has to print its summary.") var timeout: Double = 30
        @Option(help: "Seconds to wait for a slot another job holds.") var wait: Double = 600
        @Option(help: "Run a slot that failed or could not be reached again, up to this many times.") var retries = 0
        @Option(help: ArgumentHelp("Use this image for a slot or a board instead of building (repeatable).",
                                   valueName: "slot-or-board=path"))
        var image: [String] = []

        func validate() throws {
            if timeout <= 0 { throw ValidationError("--timeout must be positive.") }
            if wait < 0 { throw ValidationError("--wait must not be negative.") }
            if retries < 0 { throw ValidationError("--retries must not be negative.") }
            if !slots.isEmpty && tag != nil { throw ValidationError("Give --slots or --tag, not both.") }
            for entry in image where !entry.contains("=") {
                throw ValidationError("--image takes SLOT=PATH or BOARD=PATH, not '\(entry)'.")
            }
        }

        func run() throws {
            let spec = try RigSpec.load(path: rig)
            let chosen = try spec.select(names: slots, tag: tag)
            let catalog = try global.catalog()
            let overrides = Dictionary(image.map { entry -> (String, String) in
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { $1 })
            var images: [String: String] = [:]
            var runners: [SlotRunner] = []
            let directory = SlotLease.lockDirectory()
            let inventory = ProbeInventory()
            for slot in chosen {
                let board = try catalog.board(slot.board)
                let path: String
                if let given = overrides[slot.name] ?? overrides[board.id] {
                    path = given
                } else if let built = images[board.id] {
                    path = built
                } else {
                    path = try build(for: board)
                    images[board.id] = path
                }
                runners.append(SlotRunner(slot: slot, board: board, image: path, timeout: timeout,
                                          lockDirectory: directory, wait: wait, inventory: inventory))
            }
            let started = Date()
            let results = Self.runInParallel(runners, retries: retries)
            let report = TestReport(rig: rig, started: started, slots: results)
            if let junit { try Data(report.junit().utf8).write(to: URL(fileURLWithPath: junit)) }
            if let json { try report.json().write(to: URL(fileURLWithPath: json)) }
            for result in results { print(Self.line(result)) }
            let failed = results.filter { $0.status != .passed }.count
            print("test: \(results.count - failed) of \(results.count) slots passed in "
                  + String(format: "%.2f", Date().timeIntervalSince(started)) + " s")
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }

        /// The project's firmware for `board`: built once per board, into that board's output folder.
        private func build(for board: Board) throws -> String {
            let builder = try project.builder(global)
            let target = try Builder(root: builder.root, manifest: builder.manifest, board: board)
            let report = try target.build(project.buildOptions)
            note("built \(board.id)" + (report.upToDate ? " (up to date)" : ""))
            return (builder.root as NSString).appendingPathComponent(report.outputs["elf"] ?? "firmware.elf")
        }

        /// One thread per slot (`SlotThreads`): slots wait on their probes and consoles, not on the CPU.
        static func runInParallel(_ runners: [SlotRunner], retries: Int) -> [SlotResult] {
            SlotThreads.map(count: runners.count, width: runners.count) { index in
                let runner = runners[index]
                var result = runner.run { text in note("\(runner.slot.name): \(text)") }
                var attempt = 1
                while result.status != .passed && attempt <= retries {
                    note("\(runner.slot.name): \(result.status.rawValue), retry \(attempt) of \(retries)")
                    result = runner.run { text in note("\(runner.slot.name): \(text)") }
                    attempt += 1
                }
                result.attempts = attempt
                return result
            }
        }

        static func line(_ result: SlotResult) -> String {
            let counts = result.log.summary.map { " (\($0.passed) passed, \($0.failed) failed)" } ?? ""
            let reason = result.reason.map { ": \($0)" } ?? ""
            return "\(result.slot) [\(result.board) on \(result.probe)]: \(result.status.rawValue)\(counts)"
                + String(format: " in %.2f s", result.seconds) + reason
        }
    }
}

private func note(_ text: String) {
    FileHandle.standardError.write(Data("test: \(text)\n".utf8))
}
