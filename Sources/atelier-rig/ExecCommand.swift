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
                Behind a probe (stlink, stlink-v21, cmsis-dap) sits the board's chip, running its firmware from \
                power-on: what it prints (semihosting, UART) and its LED and pin changes go to stderr or the \
                --console file. Each chip has its own unique ID, seeded by the device's place (its serial=, else \
                kind, board and order; the port for twins), stable across runs; a dfuse device without \
                serial= takes as its USB serial the 12 digits the STM32 bootloader builds from that ID.

                Examples:
                  atelier-rig exec --device dfuse:stm32f4-discovery --time-scale 0 -- dfu-util -l
                  atelier-rig exec --device stlink:bluepill --state st --run-for 2 -- st-flash --reset write fw.bin \
                0x8000000

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
                                   download that reaches it fails errWRITE. cmsis-dap:
                                   the flash controller refuses to erase or program it.
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
            let extra = try faults.map(FaultSpec.init(parsing:))
            let specs = try devices.map { text in
                var spec = try DeviceSpec(parsing: text)
                spec.faults += extra
                return spec
            }
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
            // open(2), not FileManager.createFile: that one writes a temporary file and renames it over the path,
            // which as root replaces a device such as /dev/null with a plain file.
            let descriptor = open(console, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw ValidationError("Cannot open the --console file '\(console)': \(String(cString: strerror(errno))).")
            }
            return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
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
