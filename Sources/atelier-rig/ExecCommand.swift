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

                Faults: --fault SPEC (every device) or :fault=SPEC[,SPEC...] (one device).
                  unplug-after=N   the device leaves the bus once N data bytes have moved;
                                   every later request fails with ENODEV, as after an unplug
                  stall            the first request is STALLed (EPIPE), later ones served
                  stall-after=N    the same after N bytes; repeat it to stall more requests
                  timeout          no request is ever answered: the host's timeout fires
                  timeout-after=N  the same once N bytes have moved
                  bitflip-readback[=ADDR]
                                   UPLOAD data has bit 0 flipped at ADDR (default: the
                                   first byte read); the flash holds the right bytes
                  write-protect=SECTOR|0xADDR
                                   a write-protected sector (index, or an address in it).
                                   DfuSe, as AN2662/AN3156 say: its erase answers OK and
                                   changes nothing, a write fails errTARGET. Plain DFU: a
                                   download that reaches it fails errWRITE.
                N counts data bytes of class/vendor requests and bulk transfers, not
                enumeration: 16384, 16K or 0x4000. Example:
                  atelier-rig exec --device dfuse:stm32f4-discovery --fault unplug-after=16K \\
                      -- atelier flash fw.bin --base 0x08000000 --board stm32f4-discovery
                """
        )

        @Option(name: .customLong("device"),
                help: ArgumentHelp("KIND:BOARD[:serial=S][:port=BUS-PORT][:fault=SPEC,...], repeatable. Kinds: "
                    + VirtualDeviceRegistry.kinds.joined(separator: ", ") + "."))
        var devices: [String] = []

        @Option(name: .customLong("fault"),
                help: ArgumentHelp("Inject a fault into every device (repeatable): " + FaultSpec.syntax
                    + " (see the list above).", valueName: "spec"))
        var faults: [String] = []

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
            let extra = try faults.map(FaultSpec.init(parsing:))
            let specs = try devices.map { text in
                var spec = try DeviceSpec(parsing: text)
                spec.faults += extra
                return spec
            }
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
