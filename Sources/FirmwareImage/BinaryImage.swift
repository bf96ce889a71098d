/// Raw binary: the bytes from the image's first address to its last, with no addresses of their own.
public enum BinaryImage {
    public struct Options: Hashable, Sendable {
        /// The byte written into gaps between segments. 0x00 by default because that is what
        /// `arm-none-eabi-objcopy -O binary` writes (its `--gap-fill` default), and a BIN from atelier must equal
        /// objcopy's byte for byte. Pass 0xFF to match erased flash instead.
        public var gapFill: UInt8

        public init(gapFill: UInt8 = 0x00) {
            self.gapFill = gapFill
        }
    }

    /// The whole file as one segment at `base`. The file is read in pieces into the one array that holds it.
    public static func read(_ source: any ByteSource, base: UInt64) throws(FirmwareImageError) -> FirmwareImage {
        guard base <= FirmwareImage.addressLimit, source.size <= FirmwareImage.addressLimit - base else {
            throw .addressOutOfRange(base..<(base &+ source.size))
        }
        let bytes = try source.readExactly(at: 0, count: Int(source.size), what: "the binary")
        return try FirmwareImage(segments: [Segment(address: base, bytes: bytes)])
    }

    /// From the first segment's address to the last one's end; the file starts at `image.span.lowerBound`.
    static func write(_ image: FirmwareImage, options: Options, to output: ByteWriter) throws(FirmwareImageError) {
        var position = image.span?.lowerBound ?? 0
        for segment in image.segments {
            try output.write(repeating: options.gapFill, count: segment.address - position)
            try output.write(segment.bytes)
            position = segment.end
        }
    }
}
