/// Everything that can go wrong reading, writing or placing a firmware image.
///
/// Text formats (Intel HEX, S-record) say `file:line`; binary formats (ELF, UF2, BIN) say the byte offset.
/// Every `description` is one sentence: what failed, the value that caused it and, when known, what to do.
public enum FirmwareImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read (missing, a directory, no permission, I/O error).
    case unreadable(path: String, reason: String)
    /// The output could not be written (no permission, disk full, the folder does not exist).
    case unwritable(path: String, reason: String)
    /// The output exists and the caller did not allow replacing it.
    case outputExists(path: String)
    /// Neither the content nor the extension says which format a file is in.
    case unknownFormat(path: String)
    /// A raw binary has no addresses of its own.
    case needsBaseAddress(path: String)
    /// A text record (HEX, S-record) is wrong; `line` counts from 1.
    case syntax(file: String, line: Int, message: String)
    /// A binary file (ELF, UF2) is wrong at a byte offset.
    case malformed(file: String, offset: UInt64, message: String)
    /// Two segments claim the same bytes; both ranges are half-open.
    case overlappingSegments(Range<UInt64>, Range<UInt64>)
    /// A segment reaches past the 32-bit address space that every supported format shares.
    case addressOutOfRange(Range<UInt64>)
    /// The image cannot be written in this format (for example more segments than ELF program headers allow).
    case cannotEncode(format: ImageFormat, reason: String)
    /// Image bytes fall outside every flash and RAM region; `nearest` is the closest loadable region.
    case outsideMemory(bytes: Range<UInt64>, nearest: MemoryArea?)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .unwritable(let path, let reason):
            "cannot write \(path): \(reason)"
        case .outputExists(let path):
            "\(path) already exists; pass --force to replace it"
        case .unknownFormat(let path):
            "cannot tell the format of \(path) from its content or extension; name it (elf, hex, srec, bin or "
                + "uf2) with --input-format for an input or --format for an output"
        case .needsBaseAddress(let path):
            "\(path) is a raw binary with no addresses; pass --base ADDR (e.g. --base 0x08000000)"
        case .syntax(let file, let line, let message):
            "\(file):\(line): \(message)"
        case .malformed(let file, let offset, let message):
            "\(file): at offset \(hex(offset)): \(message)"
        case .overlappingSegments(let first, let second):
            "segments \(describe(first)) and \(describe(second)) overlap; "
                + "an image may give each address only one value"
        case .addressOutOfRange(let range):
            "segment \(describe(range)) reaches past the 4 GiB address space (0xFFFFFFFF is the last address)"
        case .cannotEncode(let format, let reason):
            "cannot write this image as \(format.rawValue): \(reason)"
        case .outsideMemory(let bytes, let nearest):
            Self.outsideMessage(bytes, nearest)
        }
    }

    private static func outsideMessage(_ bytes: Range<UInt64>, _ nearest: MemoryArea?) -> String {
        let head = "image bytes \(describe(bytes)) lie outside every flash and RAM region of the board"
        guard let nearest else { return head + " (the board lists no flash or RAM)" }
        let area = "\(nearest.kind) region '\(nearest.name)' \(describe(nearest.range))"
        if bytes.lowerBound >= nearest.range.upperBound {
            let past = bytes.upperBound - nearest.range.upperBound
            return head + "; the nearest is \(area), which they overrun by \(past) bytes "
                + "(image too large, or a linker script for a bigger part?)"
        }
        if bytes.upperBound <= nearest.range.lowerBound {
            return head + "; the nearest is \(area), \(nearest.range.lowerBound - bytes.upperBound) bytes above "
                + "them (check the linker script's MEMORY origins against the board)"
        }
        return head + "; the nearest is \(area)"
    }
}

/// `0x08000000` for an address: eight digits for 32-bit values, more when needed.
func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// An inclusive, human range with its size: `0x08000000..0x080003FF (1024 bytes)`.
func describe(_ range: Range<UInt64>) -> String {
    let count = range.upperBound - range.lowerBound
    guard count > 0 else { return "\(hex(range.lowerBound)) (0 bytes)" }
    return "\(hex(range.lowerBound))..\(hex(range.upperBound - 1)) (\(count) byte\(count == 1 ? "" : "s"))"
}
