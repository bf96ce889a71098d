import ArgumentParser
import BoardCatalog
import Foundation
import VirtualRig

extension AtelierRig {
    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the devices, run COMMAND against them, and exit with its status.",
            discussion: """
                Only COMMAND runs under umockdev's preload; it sees the emulated devices and none of the host's. \
                Behind a probe (stlink, stlink-v21) sits the board's chip, running its firmware from power-on: \
                what it prints (semihosting, UART) and its LED and pin changes go to stderr or the --console file.

                Examples:
                  atelier-rig exec --device dfuse:stm32f4-discovery --time-scale 0 -- dfu-util -l
                  atelier-rig exec --device stlink:bluepill --state st --run-for 2 -- st-flash --reset write fw.bin \
                0x8000000
                """
        )

        @Option(name: .customLong("device"),
                help: ArgumentHelp("KIND:BOARD[:serial=S][:port=BUS-PORT], repeatable. Kinds: "
                    + VirtualDeviceRegistry.kinds.joined(separator: ", ") + "."))
        var devices: [String] = []

        @Option(help: "Keep each device's flash in this folder between runs.")
        var state: String?

        @Option(help: "Multiply datasheet and USB bus times by this (1 = real time, 0 = no waiting).")
        var timeScale: Double = 1

        @Option(help: "Extra folder of board and chip files (repeatable).")
        var boardsPath: [String] = []

        @Option(help: ArgumentHelp(
            "Where the emulated chips' console output and LED/pin events go: a file, or '-' for stderr.",
            valueName: "FILE"))
        var console: String = "-"

        @Option(help: ArgumentHelp(
            "Keep the chips running this long after COMMAND exits (or until they stop), showing their output.",
            valueName: "SECONDS"))
        var runFor: Double = 0

        @Argument(parsing: .postTerminator, help: "The command to run, after '--'.")
        var command: [String] = []

        func validate() throws {
            if devices.isEmpty { throw ValidationError("Give at least one --device KIND:BOARD.") }
            if command.isEmpty { throw ValidationError("Give the command to run after '--'.") }
            if !(timeScale >= 0 && timeScale.isFinite) { throw ValidationError("--time-scale must be 0 or more.") }
            if !(runFor >= 0 && runFor.isFinite) { throw ValidationError("--run-for must be 0 or more seconds.") }
        }

        func run() throws {
            let specs = try devices.map(DeviceSpec.init(parsing:))
            let rig = try VirtualRig(specs: specs, catalog: try loadCatalog(),
                                     options: .init(timeScale: timeScale, stateDirectory: state))
            let sink = try consoleSink()
            let log = ChipEventLog()
            let status = try rig.run(command, forwardSignals: true, runFor: runFor) { device, event in
                let board = (device.server.model as? ChipHostingDevice)?.chip.board
                if let text = log.text(for: event, board: board) { sink.write(Data(text.utf8)) }
            }
            throw ExitCode(status)
        }

        /// stderr, or the `--console` file (created or truncated).
        private func consoleSink() throws -> FileHandle {
            guard console != "-" else { return FileHandle.standardError }
            guard FileManager.default.createFile(atPath: console, contents: nil),
                  let handle = FileHandle(forWritingAtPath: console) else {
                throw ValidationError("Cannot create the --console file '\(console)'.")
            }
            return handle
        }

        private func loadCatalog() throws -> BoardCatalog {
            var folders = boardsPath
            if let resources = AtelierResources.locate() {
                folders = resources.catalogFolders(extra: boardsPath)
            } else if folders.isEmpty {
                throw VirtualRigError.catalog(
                    "cannot find atelier's Boards/ folder; set ATELIER_HOME or pass --boards-path")
            }
            do {
                return try BoardCatalog.load(folders: folders)
            } catch {
                throw VirtualRigError.catalog(error.description)
            }
        }
    }
}
