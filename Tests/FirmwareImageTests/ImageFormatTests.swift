import FirmwareImage
import Testing

@Suite struct ImageFormatTests {
    @Test(arguments: [
        ("a.bin", [0x7F, 0x45, 0x4C, 0x46, 1, 1], ImageFormat.elf),  // the magic wins over the extension
        ("firmware", [0x55, 0x46, 0x32, 0x0A, 0x57, 0x51, 0x5D, 0x9E], .uf2),
        ("noext", Array(":020000040800F2".utf8), .hex),
        ("x.hex", Array("S00600004844521B".utf8), .srec),  // content beats a misleading text extension
        ("noext", Array("\r\nS1130000".utf8), .srec),
        ("data.bin", Array(":0000".utf8), .bin),  // a raw binary may start with ':'
        ("x.s19", [], .srec),
        ("x.UF2", [0, 0], .uf2),
        ("x.axf", [0], .elf),
    ] as [(String, [UInt8], ImageFormat)])
    func detection(path: String, prefix: [UInt8], expected: ImageFormat) {
        #expect(ImageFormat.detect(path: path, prefix: prefix) == expected)
    }

    @Test func unknownContentAndExtensionIsAnError() {
        let source = MemoryByteSource(name: "blob.dat", bytes: [0, 1, 2])
        #expect(throws: FirmwareImageError.unknownFormat(path: "blob.dat")) { try FirmwareImage.read(from: source) }
    }

    @Test func binNeedsABaseAddress() throws {
        let source = MemoryByteSource(name: "fw.bin", bytes: [1, 2, 3])
        #expect(throws: FirmwareImageError.needsBaseAddress(path: "fw.bin")) { try FirmwareImage.read(from: source) }
        let image = try FirmwareImage.read(from: source, options: ReadOptions(base: 0x0800_0000)).image
        #expect(image.segments == [Segment(address: 0x0800_0000, bytes: [1, 2, 3])])
        let tooHigh = ReadOptions(base: 0xFFFF_FFFE)
        #expect(throws: FirmwareImageError.addressOutOfRange(0xFFFF_FFFE..<0x1_0000_0001)) {
            try FirmwareImage.read(from: source, options: tooHigh)
        }
    }

    @Test func missingAndDirectoryInputsAreUnreadable() {
        #expect(throws: FirmwareImageError.unreadable(path: "/nonexistent/fw.hex", reason: "no such file")) {
            try FirmwareImage.read(path: "/nonexistent/fw.hex")
        }
        #expect(throws: FirmwareImageError.unreadable(path: "/tmp", reason: "it is a directory")) {
            try FirmwareImage.read(path: "/tmp")
        }
    }

    @Test func binGapFillIsConfigurable() throws {
        let image = try FirmwareImage(segments: [Segment(address: 0x10, bytes: [1]),
                                                 Segment(address: 0x13, bytes: [2])])
        #expect(try image.encoded(as: .bin) == [1, 0, 0, 2])
        #expect(try image.encoded(as: .bin, options: WriteOptions(bin: .init(gapFill: 0xFF))) == [1, 0xFF, 0xFF, 2])
    }
}
