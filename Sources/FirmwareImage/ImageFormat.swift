/// The file formats atelier reads and writes.
public enum ImageFormat: String, CaseIterable, Hashable, Sendable, Codable {
    case elf, hex, srec, bin, uf2

    /// The format a file name's extension names, or nil for an unknown extension.
    public static func fromExtension(_ path: String) -> ImageFormat? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "elf", "axf", "out": return .elf
        case "hex", "ihex", "ihx": return .hex
        case "srec", "s19", "s28", "s37", "mot", "mhx", "sx": return .srec
        case "bin": return .bin
        case "uf2": return .uf2
        default: return nil
        }
    }

    /// The format by content first, then by extension.
    ///
    /// The ELF and UF2 magic numbers are trusted over any extension (a `.bin` that starts with 7F 'E' 'L' 'F' is an
    /// ELF). A `.bin`, `.elf` or `.uf2` extension is trusted next, because a raw binary may start with ':' or 'S'.
    /// Otherwise the first character decides (':' for HEX, 'S' and a digit for S-records), so an S-record file
    /// named `.hex` still reads, and the extension is the last resort.
    public static func detect(path: String, prefix: [UInt8]) -> ImageFormat? {
        if prefix.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return .elf }
        if prefix.count >= 8, LittleEndian(bytes: prefix).u32(0) == UF2.magicStart0,
           LittleEndian(bytes: prefix).u32(4) == UF2.magicStart1 {
            return .uf2
        }
        let byExtension = fromExtension(path)
        if let byExtension, [.bin, .elf, .uf2].contains(byExtension) { return byExtension }
        let text = prefix.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        if text.first == UInt8(ascii: ":") { return .hex }
        if text.first == UInt8(ascii: "S"), let second = text.dropFirst().first,
           (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(second) {
            return .srec
        }
        return byExtension
    }

    /// The usual extension for files of this format.
    public var fileExtension: String { rawValue }
}

/// How to read a file whose format or addresses the content may not say.
public struct ReadOptions: Hashable, Sendable {
    /// Skips detection.
    public var format: ImageFormat?
    /// Where a raw binary loads; required for `.bin`.
    public var base: UInt64?
    /// For UF2 files with blocks of several families: the one to read.
    public var uf2Family: UInt32?

    public init(format: ImageFormat? = nil, base: UInt64? = nil, uf2Family: UInt32? = nil) {
        self.format = format
        self.base = base
        self.uf2Family = uf2Family
    }
}

/// How to write each format.
public struct WriteOptions: Hashable, Sendable {
    public var elf: ELFWriter.Options
    public var bin: BinaryImage.Options
    public var uf2: UF2.Options
    /// The S0 header text of an S-record file; objcopy writes the file name there.
    public var srecHeader: String

    public init(
        elf: ELFWriter.Options = .init(), bin: BinaryImage.Options = .init(), uf2: UF2.Options = .init(),
        srecHeader: String = "atelier"
    ) {
        self.elf = elf
        self.bin = bin
        self.uf2 = uf2
        self.srecHeader = srecHeader
    }
}

/// A firmware image with what its file said about itself.
public struct ImageFile: Hashable, Sendable {
    public var image: FirmwareImage
    public var format: ImageFormat
    /// The UF2 family id the blocks carry, for UF2 files.
    public var uf2FamilyID: UInt32?
    /// The machine and flags of an ELF input, so that writing it back as ELF keeps them.
    public var elf: ELFWriter.Options?

    public init(image: FirmwareImage, format: ImageFormat, uf2FamilyID: UInt32? = nil, elf: ELFWriter.Options? = nil) {
        self.image = image
        self.format = format
        self.uf2FamilyID = uf2FamilyID
        self.elf = elf
    }
}
