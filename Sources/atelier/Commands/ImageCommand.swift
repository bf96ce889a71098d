import ArgumentParser
import BoardCatalog
import FirmwareImage
import Foundation

extension Atelier {
    struct Image: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect and convert firmware images (ELF, Intel HEX, S-record, BIN, UF2).",
            discussion: """
                The format of an input is taken from its content (ELF and UF2 magic numbers, ':' for HEX, 'S' for \
                S-records) and its extension. A .bin has no addresses: give --base.
                """,
            subcommands: [Info.self, Convert.self]
        )
    }
}

extension ImageFormat: ExpressibleByArgument {}

/// How to read the input image: shared by `info` and `convert`.
struct ImageInputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Load address of a raw .bin input, e.g. 0x08000000.", valueName: "addr"))
    var base: Address?

    @Option(name: .customLong("input-format"), help: "Read the input as this format instead of detecting it.")
    var inputFormat: ImageFormat?

    @Option(help: ArgumentHelp("Check the image against this board's memory map.", valueName: "id"))
    var board: String?

    func validate(family: Address?) throws {
        if let family, family.value > UInt64(UInt32.max) {
            throw ValidationError("--family \(hex(family.value)) does not fit in 32 bits.")
        }
    }

    func read(_ path: String, family: Address?) throws -> ImageFile {
        try FirmwareImage.read(path: path, options: ReadOptions(
            format: inputFormat, base: base?.value, uf2Family: family.map { UInt32(truncatingIfNeeded: $0.value) }))
    }

    func lookUpBoard(_ global: GlobalOptions) throws -> Board? {
        try board.map { try global.catalog().board($0) }
    }
}

extension Atelier.Image {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an image's segments, size, entry point and SHA-256, and with --board where it lands.",
            discussion: "Exits 2 when the file is corrupt or, with --board, when bytes fall outside flash and RAM."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: ImageInputOptions
        @Argument(help: "An ELF, HEX, S-record, BIN or UF2 file.") var file: String
        @Option(help: ArgumentHelp("For UF2 files with several families: the one to read.", valueName: "id"))
        var family: Address?
        @Flag(help: "Print JSON instead of text.") var json = false

        func validate() throws { try input.validate(family: family) }

        func run() throws {
            let board = try input.lookUpBoard(global)
            let loaded = try input.read(file, family: family)
            let fit = board.map { loaded.image.fit(in: $0.memoryAreas) }
            if json {
                try JSONOutput.print(ImageSummary(file: file, loaded: loaded, board: board, fit: fit))
            } else {
                print(text(loaded, board: board, fit: fit))
            }
            if let board { try loaded.image.checkFit(in: board.memoryAreas) }
        }

        private func text(_ loaded: ImageFile, board: Board?, fit: FitReport?) -> String {
            let image = loaded.image
            var lines = ["\(file): \(loaded.format.rawValue), \(image.segments.count) segment"
                + "\(image.segments.count == 1 ? "" : "s"), \(image.totalSize) bytes"]
            if let span = image.span {
                lines.append("  span      \(hex(span.lowerBound))..\(hex(span.upperBound - 1)) "
                    + "(\(span.upperBound - span.lowerBound) bytes)")
            }
            lines.append("  entry     \(image.entry.map { hex($0) } ?? "-")")
            lines.append("  sha256    \(image.sha256)")
            if let family = loaded.uf2FamilyID { lines.append("  uf2       family \(hex(UInt64(family)))") }
            lines.append("  segments")
            for segment in image.segments {
                lines.append("    \(hex(segment.address))..\(hex(segment.end - 1))  \(segment.count) bytes")
            }
            if let board, let fit {
                lines.append("  board     \(board.id)")
                for usage in fit.touched {
                    let percent = Double(usage.bytes) * 100 / Double(max(1, usage.area.size))
                    lines.append("    \(usage.area.name.padding(9)) \(usage.area.kind.padding(6)) "
                        + "\(usage.bytes) bytes of \(ByteSize.format(usage.area.size)) "
                        + "(\(String(format: "%.1f", percent))%)")
                }
                for range in fit.outside {
                    lines.append("    outside   \(hex(range.lowerBound))..\(hex(range.upperBound - 1)) "
                        + "(\(range.upperBound - range.lowerBound) bytes)")
                }
            }
            return lines.joined(separator: "\n")
        }
    }

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert an image to another format.",
            discussion: """
                The output format comes from OUT's extension unless --format says. A BIN starts at the image's \
                first address and fills gaps with 0x00, as arm-none-eabi-objcopy -O binary does. UF2 blocks are \
                whole 256-byte pages padded with 0x00, as uf2conv.py writes them.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: ImageInputOptions
        @Argument(help: "The image to read.") var source: String
        @Argument(help: "The file to write.") var output: String
        @Option(help: "The output format; default: from OUT's extension.") var format: ImageFormat?
        @Option(help: ArgumentHelp("UF2 family id; default: the --board's chip family.", valueName: "id"))
        var family: Address?
        @Flag(help: "UF2: write only the image's bytes, in blocks shorter than 256 where needed, not whole pages.")
        var exactBlocks = false
        @Flag(help: "Replace OUT if it exists.") var force = false

        func validate() throws {
            try input.validate(family: family)
            if format == nil, ImageFormat.fromExtension(output) == nil {
                throw ValidationError(
                    "Cannot tell the output format from '\(output)'; pass --format elf|hex|srec|bin|uf2.")
            }
        }

        func run() throws {
            let board = try input.lookUpBoard(global)
            let loaded = try input.read(source, family: family)
            if let board { try loaded.image.checkFit(in: board.memoryAreas) }
            let outputFormat = format ?? ImageFormat.fromExtension(output) ?? .bin
            let familyID = family.map { UInt32(truncatingIfNeeded: $0.value) } ?? board?.chip.uf2FamilyID
                ?? loaded.uf2FamilyID
            let name = URL(fileURLWithPath: output).lastPathComponent
            // An ELF keeps the input ELF's machine, else takes the board's; ARM when neither says.
            let elf = loaded.elf ?? board.map { Self.elfIdentity($0.core.architecture) } ?? ELFWriter.Options()
            let options = WriteOptions(
                elf: elf, uf2: UF2.Options(familyID: familyID, pageFill: exactBlocks ? nil : 0x00), srecHeader: name)
            try loaded.image.write(to: output, format: outputFormat, options: options, replacing: force)
            if outputFormat == .uf2, familyID == nil {
                FileHandle.standardError.write(Data(("warning: \(output) has no UF2 family id; bootloaders that "
                    + "check it will ignore the file (pass --family or --board)\n").utf8))
            }
            let start = loaded.image.span.map { " from \(hex($0.lowerBound))" } ?? ""
            let count = loaded.image.segments.count
            print("wrote \(output) (\(outputFormat.rawValue)): \(loaded.image.totalSize) bytes in \(count) "
                + "segment\(count == 1 ? "" : "s")\(start), sha256 \(loaded.image.sha256)")
            if outputFormat == .bin, let span = loaded.image.span, span.count > loaded.image.totalSize {
                // A BIN has no addresses: say where it starts and how much of it is gap filler.
                print("  the BIN is \(span.count) bytes, to be loaded at \(hex(span.lowerBound)); "
                    + "\(UInt64(span.count) - loaded.image.totalSize) bytes of gaps are 0x00")
            }
        }

        /// `e_machine` and `e_flags` as each GNU toolchain writes them for the cores atelier knows.
        static func elfIdentity(_ architecture: Core.Architecture) -> ELFWriter.Options {
            switch architecture {
            case .arm: ELFWriter.Options(machine: 40, flags: 0x0500_0000)  // EM_ARM, EABI version 5
            case .riscv: ELFWriter.Options(machine: 243, flags: 0x1)  // EM_RISCV, EF_RISCV_RVC, soft float
            case .avr: ELFWriter.Options(machine: 83, flags: 0x5)  // EM_AVR, E_AVR_MACH_AVR5
            }
        }
    }
}

extension Board {
    /// The memory map as the fit check takes it: image bytes may land in flash and RAM only.
    var memoryAreas: [MemoryArea] {
        memory.map { region in
            MemoryArea(name: region.name, kind: region.kind.rawValue, start: region.start, size: region.size,
                       loadable: region.kind == .flash || region.kind == .ram)
        }
    }
}

/// `atelier image info --json`: the same facts as the text, with numbers as numbers.
struct ImageSummary: Encodable {
    struct SegmentInfo: Encodable {
        var address: UInt64
        var size: Int
    }

    struct RegionUse: Encodable {
        var name: String
        var kind: String
        var start: UInt64
        var size: UInt64
        var used: UInt64
    }

    struct Span: Encodable {
        var start: UInt64
        var end: UInt64
    }

    var file: String
    var format: String
    var segments: [SegmentInfo]
    var totalSize: UInt64
    var span: Span?
    var entry: UInt64?
    var sha256: String
    var uf2Family: UInt32?
    var board: String?
    var regions: [RegionUse]?
    var outside: [Span]?
    var fits: Bool?

    init(file: String, loaded: ImageFile, board: Board?, fit: FitReport?) {
        let image = loaded.image
        self.file = file
        format = loaded.format.rawValue
        segments = image.segments.map { SegmentInfo(address: $0.address, size: $0.count) }
        totalSize = image.totalSize
        span = image.span.map { Span(start: $0.lowerBound, end: $0.upperBound) }
        entry = image.entry
        sha256 = image.sha256
        uf2Family = loaded.uf2FamilyID
        self.board = board?.id
        regions = fit?.touched.map {
            RegionUse(name: $0.area.name, kind: $0.area.kind, start: $0.area.start, size: $0.area.size, used: $0.bytes)
        }
        outside = fit?.outside.map { Span(start: $0.lowerBound, end: $0.upperBound) }
        fits = fit?.fits
    }
}
