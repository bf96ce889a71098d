/// UF2 (Microsoft, github.com/microsoft/uf2, README "File format"): 512-byte blocks, each with two start magics,
/// flags, a target address, up to 476 payload bytes, its number, the total count, and an end magic.
public enum UF2 {
    static let blockSize = 512
    static let maxPayload = 476
    static let magicStart0: UInt32 = 0x0A32_4655  // "UF2\n"
    static let magicStart1: UInt32 = 0x9E5D_5157
    static let magicEnd: UInt32 = 0x0AB1_6F30

    /// The block flags this module understands.
    enum Flag {
        static let notMainFlash: UInt32 = 0x0000_0001
        static let fileContainer: UInt32 = 0x0000_1000
        static let familyIDPresent: UInt32 = 0x0000_2000
    }

    public struct Options: Hashable, Sendable {
        /// Written into every block with flag 0x2000; bootloaders ignore blocks for other families.
        public var familyID: UInt32?
        /// Payload bytes per block; 256 is what every known bootloader takes.
        public var payloadSize: Int
        /// When set, every block carries a whole `payloadSize`-aligned page, gaps filled with this byte: the RP2040
        /// boot ROM ignores blocks that do not. When nil, blocks carry exactly the image's bytes.
        public var pageFill: UInt8?

        public init(familyID: UInt32? = nil, payloadSize: Int = 256, pageFill: UInt8? = nil) {
            self.familyID = familyID
            self.payloadSize = payloadSize
            self.pageFill = pageFill
        }
    }

    /// The image and the one family id its blocks name (nil when no block has flag 0x2000).
    public struct Contents: Hashable, Sendable {
        public var image: FirmwareImage
        public var familyID: UInt32?
    }

    /// Reads every block, checking magics, numbering and counts. Blocks flagged "not main flash" are skipped.
    /// A file may hold several families (RP2350 files do); `family` picks one, and without it such a file
    /// is refused rather than mixed.
    public static func read(_ source: any ByteSource, family: UInt32? = nil) throws(FirmwareImageError) -> Contents {
        let file = source.name
        func fail(_ offset: UInt64, _ message: String) -> FirmwareImageError {
            .malformed(file: file, offset: offset, message: message)
        }
        guard source.size % UInt64(blockSize) == 0 else {
            throw fail(source.size - source.size % UInt64(blockSize),
                       "the file is \(source.size) bytes, not a whole number of 512-byte UF2 blocks; it is truncated")
        }
        let blockCount = source.size / UInt64(blockSize)
        var segments = SegmentBuilder()
        var families: [UInt32] = []
        var previous: (number: UInt32, total: UInt32)?
        for index in 0..<blockCount {
            let offset = index * UInt64(blockSize)
            let bytes = try source.readExactly(at: offset, count: blockSize, what: "block \(index)")
            let block = LittleEndian(bytes: bytes)
            let magics = [(0, magicStart0), (4, magicStart1), (508, magicEnd)]
            for (field, magic) in magics where block.u32(field) != magic {
                throw fail(offset + UInt64(field), "block \(index) has \(hex(UInt64(block.u32(field)))) where the UF2 "
                    + "magic \(hex(UInt64(magic))) belongs; this is not a UF2 file or it is corrupt")
            }
            let flags = block.u32(8)
            let address = UInt64(block.u32(12))
            let payload = Int(block.u32(16))
            let number = block.u32(20)
            let total = block.u32(24)
            guard payload <= maxPayload else {
                throw fail(offset + 16, "block \(index) says \(payload) payload bytes; a block holds at most "
                    + "\(maxPayload)")
            }
            guard total > 0, UInt64(total) <= blockCount, number < total else {
                throw fail(offset + 20, "block \(index) is numbered \(number) of \(total), but the file holds "
                    + "\(blockCount) blocks; the file is truncated or its block count is corrupt")
            }
            // Blocks come in runs numbered 0..<total; a new run may start only where the last one ended.
            if let previous, number != previous.number + 1 || total != previous.total {
                guard number == 0, previous.number + 1 == previous.total else {
                    throw fail(offset + 20, "block \(index) is numbered \(number) of \(total) after block "
                        + "\(previous.number) of \(previous.total); blocks are missing or out of order")
                }
            } else if previous == nil, number != 0 {
                throw fail(offset + 20, "the first block is numbered \(number), not 0; blocks are missing")
            }
            previous = (number, total)
            guard flags & Flag.fileContainer == 0 else {
                throw fail(offset + 8, "block \(index) is part of a UF2 file container, not a firmware image")
            }
            if flags & Flag.notMainFlash != 0 { continue }
            let blockFamily = flags & Flag.familyIDPresent != 0 ? block.u32(28) : nil
            if let family, blockFamily != family { continue }
            if let blockFamily, !families.contains(blockFamily) { families.append(blockFamily) }
            guard address + UInt64(payload) <= FirmwareImage.addressLimit else {
                throw fail(offset + 12, "block \(index) writes past the 4 GiB address space")
            }
            segments.append(block.bytes[32..<(32 + payload)], at: address)
        }
        if let previous, previous.number + 1 != previous.total {
            throw fail(source.size, "the file ends at block \(previous.number) of \(previous.total); it is truncated")
        }
        guard families.count <= 1 else {
            let list = families.map { hex(UInt64($0)) }.joined(separator: ", ")
            throw fail(0, "the file holds blocks for several families (\(list)); choose one with --family")
        }
        return Contents(image: try segments.build(entry: nil), familyID: families.first ?? family)
    }

    static func write(_ image: FirmwareImage, options: Options, to output: ByteWriter) throws(FirmwareImageError) {
        guard (1...maxPayload).contains(options.payloadSize) else {
            throw .cannotEncode(format: .uf2, reason: "payload size \(options.payloadSize) must be 1 to \(maxPayload)")
        }
        let blocks = self.blocks(image, options: options)
        guard blocks.count <= Int(UInt32.max) else {
            throw .cannotEncode(format: .uf2, reason: "the image needs more blocks than UF2 can number")
        }
        let flags = options.familyID == nil ? 0 : Flag.familyIDPresent
        for (number, block) in blocks.enumerated() {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(blockSize)
            let fields: [UInt32] = [magicStart0, magicStart1, flags, UInt32(block.address), UInt32(block.bytes.count),
                                    UInt32(number), UInt32(blocks.count), options.familyID ?? 0]
            fields.forEach { bytes.appendLittleEndian($0) }
            bytes.append(contentsOf: block.bytes)
            bytes.append(contentsOf: [UInt8](repeating: 0, count: maxPayload - block.bytes.count))
            bytes.appendLittleEndian(magicEnd)
            try output.write(bytes)
        }
    }

    /// The payloads: the image's chunks, or whole pages when `pageFill` is set.
    private static func blocks(_ image: FirmwareImage, options: Options) -> [Chunk] {
        let size = options.payloadSize
        let chunks = image.chunks(maxSize: size, boundary: UInt64(size))
        guard let fill = options.pageFill else { return Array(chunks) }
        var pages: [Chunk] = []
        for chunk in chunks {
            let page = chunk.address - chunk.address % UInt64(size)
            if pages.last?.address != page {
                pages.append(Chunk(address: page, bytes: ArraySlice(repeating: fill, count: size)))
            }
            let start = pages[pages.count - 1].bytes.startIndex + Int(chunk.address - page)
            pages[pages.count - 1].bytes.replaceSubrange(start..<(start + chunk.bytes.count), with: chunk.bytes)
        }
        return pages
    }
}
