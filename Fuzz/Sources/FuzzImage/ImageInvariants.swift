import FirmwareImage
import FuzzSupport

/// The checks the four image fuzzers share: what any parsed image must satisfy, and that writing it in every
/// format and reading that back gives the same bytes at the same addresses.
public enum ImageInvariants {
    /// Parses `bytes` as `format` and checks the result or the error.
    public static func check(_ bytes: [UInt8], as format: ImageFormat) {
        let name = "fuzz.\(format.rawValue)"
        let image: FirmwareImage
        do {
            image = try FirmwareImage.read(from: MemoryByteSource(name: name, bytes: bytes),
                                           options: ReadOptions(format: format)).image
        } catch {
            checkError(error, file: name, input: bytes)
            return
        }
        checkCanonical(image)
        for target in [ImageFormat.hex, .srec, .elf, .uf2] {
            roundTrip(image, through: target)
        }
    }

    /// Sorted, non-empty, non-touching segments inside the 32-bit address space: what `FirmwareImage.init`
    /// promises every consumer (the flash planner relies on it).
    static func checkCanonical(_ image: FirmwareImage) {
        var previousEnd: UInt64?
        for segment in image.segments {
            Fuzz.require(!segment.bytes.isEmpty, "an empty segment at \(segment.address)")
            Fuzz.require(segment.end <= FirmwareImage.addressLimit, "segment \(segment.range) is past 4 GiB")
            if let previousEnd {
                Fuzz.require(segment.address > previousEnd, "segments out of order or touching at \(segment.address)")
            }
            previousEnd = segment.end
        }
        Fuzz.require(image.totalSize == image.segments.reduce(0) { $0 + UInt64($1.count) }, "totalSize is wrong")
    }

    /// Text formats must point at a line of the file; binary formats at an offset inside it (or its end).
    static func checkError(_ error: FirmwareImageError, file: String, input: [UInt8]) {
        let text = error.description
        Fuzz.require(!text.isEmpty, "an empty error message")
        switch error {
        case .syntax(let name, let line, _):
            Fuzz.require(name == file, "a syntax error names \(name), not \(file)")
            let lines = input.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            Fuzz.require(line >= 1 && line <= lines, "line \(line) is outside the file's \(lines) lines: \(text)")
        case .malformed(let name, let offset, _):
            Fuzz.require(name == file, "a malformed-file error names \(name), not \(file)")
            // A table or segment the file claims but does not hold is reported where it was claimed to be.
            Fuzz.require(offset <= UInt64(input.count) || text.contains("runs past the end of the file"),
                         "offset \(offset) is past the \(input.count)-byte file: \(text)")
        case .overlappingSegments, .addressOutOfRange, .unknownFormat, .needsBaseAddress:
            break
        case .unreadable, .unwritable, .outputExists, .cannotEncode, .outsideMemory:
            Fuzz.require(false, "reading bytes in memory gave an error about something else: \(text)")
        }
    }

    /// Writes `image` as `format` and reads it back; only `.cannotEncode` may refuse (e.g. too many segments for
    /// ELF program headers), and whatever is written must read back as the same image.
    static func roundTrip(_ image: FirmwareImage, through format: ImageFormat) {
        let encoded: [UInt8]
        do {
            encoded = try image.encoded(as: format)
        } catch {
            guard case .cannotEncode = error else {
                Fuzz.require(false, "writing \(format) failed with \(error)")
                return
            }
            return
        }
        do {
            let again = try FirmwareImage.read(from: MemoryByteSource(name: "again.\(format.rawValue)", bytes: encoded),
                                               options: ReadOptions(format: format)).image
            Fuzz.require(again.segments == image.segments, "\(format) round trip changed the segments: "
                + "\(image.ranges) became \(again.ranges)")
            if format != .uf2 {
                Fuzz.require((again.entry ?? 0) == (image.entry ?? 0),
                             "\(format) round trip changed the entry \(String(describing: image.entry)) to "
                                + "\(String(describing: again.entry))")
            }
        } catch {
            Fuzz.require(false, "atelier cannot read the \(format) it wrote: \(error)")
        }
    }
}
