/// Writes a minimal ELF32 little-endian executable: one `PT_LOAD` per segment (virtual = physical address) and a
/// matching `SHT_PROGBITS` section `.sec1`, `.sec2`, … per segment, as `objcopy -I ihex -O elf32-littlearm` names
/// them. The sections are there because objcopy, gdb and `size` work from sections, not program headers.
public enum ELFWriter {
    public struct Options: Hashable, Sendable {
        /// `e_machine`: 40 is ARM, 243 RISC-V, 83 AVR.
        public var machine: UInt16
        /// `e_flags`: 0x05000000 is ARM EABI version 5, what arm-none-eabi-gcc writes.
        public var flags: UInt32

        public init(machine: UInt16 = 40, flags: UInt32 = 0x0500_0000) {
            self.machine = machine
            self.flags = flags
        }
    }

    static let sectionHeaderSize = 40

    static func write(_ image: FirmwareImage, options: Options, to output: ByteWriter) throws(FirmwareImageError) {
        let segments = image.segments
        // Section indexes from 0xFF00 are reserved (SHN_LORESERVE): the null section, one per segment and
        // .shstrtab must stay below.
        guard segments.count <= 0xFF00 - 3 else {
            throw .cannotEncode(format: .elf, reason: "\(segments.count) segments is more than ELF32 headers can "
                + "number; write HEX or S-records instead")
        }
        if let entry = image.entry, entry >= FirmwareImage.addressLimit {
            throw .cannotEncode(format: .elf, reason: "the entry point \(hex(entry)) does not fit in 32 bits")
        }
        var cursor = UInt64(ELFReader.headerSize + ELFReader.programHeaderSize * segments.count)
        var offsets: [UInt64] = []
        for segment in segments {
            // p_offset and p_vaddr must agree modulo p_align (4), so pad until they do.
            cursor += (segment.address &- cursor) & 3
            offsets.append(cursor)
            cursor += UInt64(segment.count)
        }
        var names: [UInt8] = [0] + Array(".shstrtab".utf8) + [0]
        var nameOffsets: [UInt32] = []
        for index in segments.indices {
            nameOffsets.append(UInt32(names.count))
            names += Array(".sec\(index + 1)".utf8) + [0]
        }
        let namesOffset = cursor
        let sectionTable = (namesOffset + UInt64(names.count) + 3) & ~3
        let fileSize = sectionTable + UInt64(sectionHeaderSize * (segments.count + 2))
        guard fileSize < FirmwareImage.addressLimit else {
            throw .cannotEncode(format: .elf, reason: "the file would exceed the 4 GiB that ELF32 offsets reach")
        }
        try output.write(header(image, options: options, segmentCount: segments.count, sectionTable: sectionTable))
        var table: [UInt8] = []
        for (segment, offset) in zip(segments, offsets) {
            let size = UInt32(segment.count)
            let fields: [UInt32] = [ELFReader.loadType, UInt32(offset), UInt32(segment.address),
                                    UInt32(segment.address), size, size, 0x7, 4]
            fields.forEach { table.appendLittleEndian($0) }
        }
        try output.write(table)
        var position = UInt64(ELFReader.headerSize + table.count)
        for (segment, offset) in zip(segments, offsets) {
            try output.write(repeating: 0, count: offset - position)
            try output.write(segment.bytes)
            position = offset + UInt64(segment.count)
        }
        try output.write(names)
        try output.write(repeating: 0, count: sectionTable - namesOffset - UInt64(names.count))
        try output.write(sectionHeaders(segments, offsets: offsets, nameOffsets: nameOffsets,
                                        namesOffset: namesOffset, namesSize: names.count))
    }

    private static func header(
        _ image: FirmwareImage, options: Options, segmentCount: Int, sectionTable: UInt64
    ) -> [UInt8] {
        // ELF32, little-endian, version 1, System V ABI, padding to 16 bytes.
        var bytes: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        bytes.appendLittleEndian(UInt16(2))  // ET_EXEC
        bytes.appendLittleEndian(options.machine)
        bytes.appendLittleEndian(UInt32(1))  // EV_CURRENT
        bytes.appendLittleEndian(UInt32(image.entry ?? 0))
        bytes.appendLittleEndian(UInt32(segmentCount == 0 ? 0 : ELFReader.headerSize))
        bytes.appendLittleEndian(UInt32(sectionTable))
        bytes.appendLittleEndian(options.flags)
        bytes.appendLittleEndian(UInt16(ELFReader.headerSize))
        bytes.appendLittleEndian(UInt16(ELFReader.programHeaderSize))
        bytes.appendLittleEndian(UInt16(segmentCount))
        bytes.appendLittleEndian(UInt16(sectionHeaderSize))
        bytes.appendLittleEndian(UInt16(segmentCount + 2))
        bytes.appendLittleEndian(UInt16(segmentCount + 1))  // .shstrtab is the last section
        return bytes
    }

    private static func sectionHeaders(
        _ segments: [Segment], offsets: [UInt64], nameOffsets: [UInt32], namesOffset: UInt64, namesSize: Int
    ) -> [UInt8] {
        var table = [UInt8](repeating: 0, count: sectionHeaderSize)  // section 0 is all zeros
        for index in segments.indices {
            // SHT_PROGBITS, SHF_WRITE | SHF_ALLOC | SHF_EXECINSTR: the image does not say which parts are code.
            let fields: [UInt32] = [nameOffsets[index], 1, 0x7, UInt32(segments[index].address),
                                    UInt32(offsets[index]), UInt32(segments[index].count), 0, 0, 1, 0]
            fields.forEach { table.appendLittleEndian($0) }
        }
        let strtab: [UInt32] = [1, 3, 0, 0, UInt32(namesOffset), UInt32(namesSize), 0, 0, 1, 0]  // SHT_STRTAB
        strtab.forEach { table.appendLittleEndian($0) }
        return table
    }
}
