import ArgumentParser
import BoardCatalog
import Foundation
import VirtualRig

extension AtelierRig {
    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the devices, run COMMAND against them, and exit with its status.",
            discussion: """
                Only COMMAND runs under umockdev's preload; it sees the emulated devices and none of the host's.
                Example: atelier-rig exec --device dfuse:stm32f4-discovery --time-scale 0 -- dfu-util -l
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

        @Argument(parsing: .postTerminator, help: "The command to run, after '--'.")
        var command: [String] = []

        func validate() throws {
            if devices.isEmpty { throw ValidationError("Give at least one --device KIND:BOARD.") }
            if command.isEmpty { throw ValidationError("Give the command to run after '--'.") }
            if !(timeScale >= 0 && timeScale.isFinite) { throw ValidationError("--time-scale must be 0 or more.") }
        }

        func run() throws {
            let specs = try devices.map(DeviceSpec.init(parsing:))
            let rig = try VirtualRig(specs: specs, catalog: try loadCatalog(),
                                     options: .init(timeScale: timeScale, stateDirectory: state))
            let status = try rig.run(command, forwardSignals: true)
            throw ExitCode(status)
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
