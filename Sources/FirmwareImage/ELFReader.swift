/// Reads the loadable bytes of a 32-bit little-endian ELF executable (System V ABI, "ELF header" and
/// "Program header" chapters).
///
/// Each `PT_LOAD` program header places its file bytes at its physical address `p_paddr`: that is where a flash
/// tool writes them, so `.data` lands at its load address in flash, not at its RAM address. The
/// `p_memsz - p_filesz` tail (`.bss`) is zeroed by the startup code and is not part of the image.
///
/// Within a segment only the bytes of allocated, non-NOBITS sections count, as in objcopy: GNU ld puts `.text` and
/// a section placed 4 KiB later into one `PT_LOAD` with the gap as zeros in the file, and objcopy's HEX has no
/// records for that gap. Reading the gap as data would make the ELF and objcopy's HEX of it differ, and would
/// program zeros over flash the firmware never meant to touch. An ELF without section headers falls back to
/// whole segments.
public enum ELFReader {
    /// More program headers than any firmware has; a hostile count above it is refused before anything is read.
    public static let maxProgramHeaders = 4096
    /// Section indexes from 0xFF00 are reserved, so no ordinary ELF has more sections.
    public static let maxSections = 0xFF00

    static let headerSize = 52
    static let programHeaderSize = 32
    static let loadType: UInt32 = 1

    public static func read(_ source: any ByteSource) throws(FirmwareImageError) -> FirmwareImage {
        let file = source.name
        func fail(_ offset: UInt64, _ message: String) -> FirmwareImageError {
            .malformed(file: file, offset: offset, message: message)
        }
        let header = try source.readExactly(at: 0, count: headerSize, what: "the ELF header")
        guard header[0..<4].elementsEqual([0x7F, 0x45, 0x4C, 0x46]) else {
            throw fail(0, "not an ELF file (the magic number 7F 'E' 'L' 'F' is missing)")
        }
        guard header[4] == 1 else {
            throw fail(4, header[4] == 2
                ? "this is a 64-bit ELF; microcontroller firmware is ELF32 (was it built for the host?)"
                : "unknown ELF class \(header[4]) (1 is ELF32)")
        }
        guard header[5] == 1 else {
            throw fail(5, "this ELF is big-endian (EI_DATA \(header[5])); atelier reads little-endian ELF32")
        }
        let fields = LittleEndian(bytes: header)
        let type = fields.u16(16)
        guard type != 1 else {
            throw fail(16, "this is a relocatable object (.o), not a linked executable; link it first")
        }
        let entry = UInt64(fields.u32(24))
        let tableOffset = UInt64(fields.u32(28))
        let entrySize = Int(fields.u16(42))
        let count = Int(fields.u16(44))
        guard count != 0xFFFF else {
            throw fail(44, "the program header count is in section 0 (PN_XNUM); no firmware needs that many")
        }
        guard count <= maxProgramHeaders else {
            throw fail(44, "\(count) program headers is more than the \(maxProgramHeaders) atelier accepts; "
                + "the file is corrupt or not firmware")
        }
        guard count > 0 else { return .empty.with(entry: entry == 0 ? nil : entry) }
        guard entrySize == programHeaderSize else {
            throw fail(42, "program headers are \(entrySize) bytes; ELF32 program headers are 32")
        }
        let table = try source.readExactly(at: tableOffset, count: count * entrySize, what: "the program header table")
        let sections = try contentSections(source, header: fields)
        var segments: [Segment] = []
        // Program headers may point at the same file bytes many times; never read more than the file holds.
        var budget = source.size
        for index in 0..<count {
            let headerOffset = tableOffset + UInt64(index * entrySize)
            let phdr = LittleEndian(bytes: table, base: index * entrySize)
            guard phdr.u32(0) == loadType else { continue }
            let fileOffset = UInt64(phdr.u32(4))
            let address = UInt64(phdr.u32(12))
            let size = UInt64(phdr.u32(16))
            guard size > 0 else { continue }
            guard fileOffset <= source.size, size <= source.size - fileOffset else {
                throw fail(headerOffset, "program header \(index) says \(size) bytes at offset \(hex(fileOffset)), "
                    + "past the end of the \(source.size)-byte file; the file is truncated or corrupt")
            }
            guard address + size <= FirmwareImage.addressLimit else {
                throw fail(headerOffset, "program header \(index) loads \(size) bytes at \(hex(address)), past the "
                    + "4 GiB address space")
            }
            let inside = contained(in: fileOffset..<(fileOffset + size), of: sections)
            for part in inside.isEmpty ? [fileOffset..<(fileOffset + size)] : inside {
                guard UInt64(part.count) <= budget else {
                    throw fail(headerOffset, "the program headers claim more bytes than the \(source.size)-byte file "
                        + "holds; the file is corrupt")
                }
                budget -= UInt64(part.count)
                let what = inside.isEmpty ? "segment \(index)" : "a section of segment \(index)"
                let bytes = try source.readExactly(at: part.lowerBound, count: Int(part.count), what: what)
                segments.append(Segment(address: address + (part.lowerBound - fileOffset), bytes: bytes))
            }
        }
        return try FirmwareImage(segments: segments, entry: entry == 0 ? nil : entry)
    }
}

extension ELFReader {
    /// `e_machine` and `e_flags` of a file `read` accepted.
    static func identity(_ source: any ByteSource) throws(FirmwareImageError) -> ELFWriter.Options {
        let header = LittleEndian(bytes: try source.readExactly(at: 0, count: headerSize, what: "the ELF header"))
        return ELFWriter.Options(machine: header.u16(18), flags: header.u32(36))
    }

    /// The file ranges of sections that hold loadable bytes: `SHF_ALLOC`, not `SHT_NOBITS` or `SHT_NULL`, not empty.
    static func contentSections(
        _ source: any ByteSource, header: LittleEndian
    ) throws(FirmwareImageError) -> [Range<UInt64>] {
        let tableOffset = UInt64(header.u32(32))
        let entrySize = Int(header.u16(46))
        let count = Int(header.u16(48))
        guard tableOffset != 0, count > 0 else { return [] }
        guard count < maxSections, entrySize == 40 else {
            throw .malformed(file: source.name, offset: 46, message: "the section header table (\(count) entries of "
                + "\(entrySize) bytes) is not ELF32's; the file is corrupt")
        }
        let table = try source.readExactly(at: tableOffset, count: count * entrySize, what: "the section header table")
        var result: [Range<UInt64>] = []
        for index in 0..<count {
            let section = LittleEndian(bytes: table, base: index * entrySize)
            let type = section.u32(4)
            let flags = section.u32(8)
            let offset = UInt64(section.u32(16))
            let size = UInt64(section.u32(20))
            guard type != 0, type != 8, flags & 0x2 != 0, size > 0 else { continue }
            result.append(offset..<(offset + size))
        }
        return result.sorted { $0.lowerBound < $1.lowerBound }
    }
}

extension ELFReader {
    /// The sections (sorted by offset) that lie wholly inside `range`, found by binary search.
    static func contained(in range: Range<UInt64>, of sections: [Range<UInt64>]) -> [Range<UInt64>] {
        var low = 0
        var high = sections.count
        while low < high {
            let middle = (low + high) / 2
            if sections[middle].lowerBound < range.lowerBound { low = middle + 1 } else { high = middle }
        }
        var result: [Range<UInt64>] = []
        while low < sections.count, sections[low].lowerBound < range.upperBound {
            if sections[low].upperBound <= range.upperBound { result.append(sections[low]) }
            low += 1
        }
        return result
    }
}

/// Little-endian fields of a byte array, at offsets relative to `base`. Callers check lengths first.
struct LittleEndian {
    let bytes: [UInt8]
    var base = 0

    func u16(_ offset: Int) -> UInt16 {
        UInt16(bytes[base + offset]) | UInt16(bytes[base + offset + 1]) << 8
    }

    func u32(_ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[base + offset + $1]) << (8 * $1) }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian(_ value: UInt32) {
        append(contentsOf: (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }

    mutating func appendLittleEndian(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }
}
