import ArgumentParser
import BoardCatalog
import Build
import FirmwareImage
import Flash
import Foundation
import Programmers

extension Atelier {
    struct Flash: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write firmware to a board, changing only the sectors that differ, and verify it.",
            discussion: """
                The image is checked against the board's memory map before any device is opened. Each touched \
                sector is compared with the device: skipped when equal, programmed when its differing units are \
                erased, else erased and programmed. Bytes of a touched sector outside the image are kept unless \
                --full. In a project, IMAGE and --board default to the project's build output and board, and the \
                project is built first. Examples:
                  atelier flash
                  atelier flash fw.elf --board stm32f4-discovery
                  atelier flash fw.bin --base 0x08000000 --board stm32f4-discovery --probe usb:1-2
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var probe: ProbeOptions
        @OptionGroup var connect: ConnectOptions
        @OptionGroup var project: ProjectOptions
        @Argument(help: "The image: ELF, Intel HEX, S-record, UF2 or raw .bin (with --base). Default: the project's.")
        var image: String?
        @Option(help: "The board to flash, e.g. stm32f4-discovery. Default: the project's.") var board: String?
        @Option(help: ArgumentHelp("Load address of a raw .bin image.", valueName: "addr")) var base: String?
        @Flag(name: .customLong("no-verify"), help: "Skip the read-back after writing.") var noVerify = false
        @Flag(help: "Erase what the image does not cover in every touched sector.") var full = false
        @Flag(name: .customLong("mass-erase"), help: "Erase the whole chip first.") var massErase = false
        @Flag(name: .customLong("verify-only"), help: "Compare the device with the image; write nothing.")
        var verifyOnly = false
        @Flag(help: "Start the firmware afterwards (leave the bootloader or reset the core).") var reset = false
        @Flag(help: "Flash even if the device does not look like the board's chip.") var force = false
        @Flag(help: "Progress as JSON lines on stdout, then the report.") var json = false

        func run() throws {
            let (board, image) = try target()
            let firmware = try FlashImage(path: image, base: try base.map(Self.address))
            let options = FlashOptions(verify: !noVerify, full: full, massErase: massErase)
            // Planning first refuses an image that does not fit before any device is touched.
            let plan = try FlashPlanner(memory: board.memory).plan(firmware.source.ranges, options: options)
            let chosen = try probe.choose(kinds: ProgrammerRegistry.flashableKinds)
            let programmer = try ProgrammerRegistry.open(chosen, for: board, force: force,
                                                     connectUnderReset: connect.underReset)
            let progress = FlashProgress(json: json)
            let executor = FlashExecutor(target: programmer.target, events: progress.handle)
            let started = Date()
            let report = verifyOnly
                ? try executor.verifyOnly(plan, source: firmware.source) : try executor.run(plan, source: firmware.source)
            if reset && !verifyOnly { try programmer.start() }
            let seconds = Date().timeIntervalSince(started)
            if json {
                try JSONOutput.printLine(FlashSummary(board: board.id, probe: chosen.description, image: image,
                                                  sha256: try firmware.sha256(), seconds: seconds, report: report,
                                                  details: programmer.details))
            } else {
                for line in programmer.details { print(line) }
                print(summaryLine(report, image: image, board: board.id, seconds: seconds, probe: chosen.description))
            }
        }

        /// The board and image given, or the project's: built first so what is flashed is what the sources say.
        private func target() throws -> (Board, String) {
            if let image, let board {
                return (try global.catalog().board(board), image)
            }
            let builder: Builder
            do {
                builder = try project.builder(global)
            } catch BuildError.noProject {
                throw ValidationError("Give the IMAGE and --board, or run this inside a project (atelier.yaml).")
            }
            let board = try self.board.map { try global.catalog().board($0) } ?? builder.board
            if let image { return (board, image) }
            let report = try project.build(global)
            if !report.upToDate && !json { BuildOutput.print(report, verbose: false) }
            return (board, (builder.root as NSString).appendingPathComponent(report.outputs["elf"] ?? "firmware.elf"))
        }

        private func summaryLine(_ report: FlashReport, image: String, board: String, seconds: Double, probe: String)
            -> String
        {
            let time = String(format: "%.2f s", seconds)
            if verifyOnly { return "verified: \(report.bytesVerified) bytes match \(image) on \(probe) (\(time))" }
            return "flashed \(image) to \(board) via \(probe): \(report.sectorsTouched) sectors, "
                + "\(report.sectorsSkipped) unchanged, \(report.sectorsErased) erased, \(report.bytesWritten) bytes written"
                + (noVerify && report.retries == 0 ? "" : ", verified")
                + (report.retries > 0 ? " after \(report.retries) retried operation(s)" : "") + " (\(time))"
        }

        static func address(_ text: String) throws -> UInt64 {
            guard let value = ByteSize.parse(text) else {
                throw ValidationError("'\(text)' is not an address; write it as 0x08000000")
            }
            return value
        }
    }
}

/// The image to flash: a raw binary is read from disk a sector at a time, other formats are parsed whole.
struct FlashImage {
    let source: FlashSource
    let sha256: () throws -> String

    init(path: String, base: UInt64?) throws {
        let prefix = try FileByteSource(path: path).read(at: 0, upTo: 64)
        if ImageFormat.detect(path: path, prefix: prefix) == .bin {
            guard let base else { throw FirmwareImageError.needsBaseAddress(path: path) }
            let file = try BinaryFileImage(path: path, base: base)
            source = file
            sha256 = { try file.sha256() }
        } else {
            let image = try FirmwareImage.load(path, base: base)
            source = image
            sha256 = { image.sha256 }
        }
    }
}

/// The `--json` result of `atelier flash`.
struct FlashSummary: Encodable {
    var board: String
    var probe: String
    var image: String
    var sha256: String
    var seconds: Double
    var report: FlashReport
    /// What the programmer reported about the device, e.g. an AVR's fuses (left as they were).
    var details: [String]
}
