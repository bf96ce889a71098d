import Foundation

/// The loadable segments of a 32-bit little-endian ELF file: all the size report needs.
/// (FirmwareImage's full ELF reader can replace this once it lands.)
public struct ELFFile: Sendable {
    public struct Segment: Hashable, Sendable {
        public var virtualAddress: UInt64
        /// The load address (LMA): where the bytes sit in the image, e.g. `.data`'s initial values in flash.
        public var physicalAddress: UInt64
        public var fileSize: UInt64
        public var memorySize: UInt64
    }

    public var segments: [Segment]

    public init(segments: [Segment]) {
        self.segments = segments
    }

    public init(path: String) throws(BuildError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(path: path, reason: "the file cannot be read")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String) throws(BuildError) {
        let bytes = [UInt8](data)
        guard bytes.count >= 52, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else {
            throw .unreadableELF(path: path, reason: "no ELF magic number")
        }
        guard bytes[4] == 1, bytes[5] == 1 else {
            throw .unreadableELF(path: path, reason: "not a 32-bit little-endian ELF (class \(bytes[4]), "
                + "data \(bytes[5]))")
        }
        func u32(_ offset: Int) -> UInt64 {
            guard offset + 4 <= bytes.count else { return 0 }
            return UInt64(bytes[offset]) | UInt64(bytes[offset + 1]) << 8 | UInt64(bytes[offset + 2]) << 16
                | UInt64(bytes[offset + 3]) << 24
        }
        func u16(_ offset: Int) -> Int {
            guard offset + 2 <= bytes.count else { return 0 }
            return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
        }
        let tableOffset = Int(u32(28))
        let entrySize = u16(42)
        let count = u16(44)
        guard entrySize >= 32, tableOffset + entrySize * count <= bytes.count else {
            throw .unreadableELF(path: path, reason: "the program header table lies outside the file")
        }
        var segments: [Segment] = []
        for index in 0..<count {
            let base = tableOffset + index * entrySize
            guard u32(base) == 1 else { continue }  // PT_LOAD
            segments.append(Segment(virtualAddress: u32(base + 8), physicalAddress: u32(base + 12),
                                    fileSize: u32(base + 16), memorySize: u32(base + 20)))
        }
        self.segments = segments
    }
}
