import FirmwareImage
import Foundation
import Testing

/// Images built by arm-none-eabi-gcc, read, converted and compared with what objcopy makes of the same ELF.
@Suite struct RoundTripTests {
    let fixture: Fixture
    let image: FirmwareImage

    init() throws {
        fixture = try Fixture.shared.get()
        image = try FirmwareImage.read(path: fixture.elf).image
    }

    @Test func elfLoadsDataAtItsLoadAddressAndLeavesTheGap() throws {
        // .text at 0x08000000, then a gap, .config at 0x08001000 and .data's 7 bytes at its LMA right after.
        #expect(image.segments.count == 2)
        #expect(image.segments.first?.address == 0x0800_0000)
        let tail = try #require(image.segments.last)
        #expect(tail.address == 0x0800_1000)
        #expect(tail.count == 16 + 7)
        #expect(Array(tail.bytes.suffix(7)) == Array("hello!\0".utf8))
        #expect(Array(tail.bytes.prefix(4)) == [0x01, 0xEE, 0xFF, 0xC0])
        #expect(image.span?.upperBound == 0x0800_1017)
        // The Thumb entry point has bit 0 set.
        let entry = try #require(image.entry)
        #expect(entry & 1 == 1 && (0x0800_0000..<0x0800_1000).contains(entry))
        // Nothing loads at the RAM address .data runs at, and .bss contributes nothing.
        #expect(image.segments(overlapping: 0x2000_0000..<0x2000_5000).isEmpty)
    }

    @Test(arguments: [ImageFormat.hex, .srec, .bin, .uf2, .elf])
    func roundTripKeepsEverySegment(format: ImageFormat) throws {
        let bytes = try image.encoded(as: format, options: WriteOptions(uf2: UF2.Options(familyID: 0xE48B_FF56)))
        let source = MemoryByteSource(name: "fw.\(format.rawValue)", bytes: bytes)
        let back = try FirmwareImage.read(from: source, options: ReadOptions(format: format, base: 0x0800_0000))
        #expect(back.format == format)
        if format == .bin {
            // A BIN has no gaps: the gap comes back as objcopy's zeros, everything else unchanged.
            #expect(back.image.segments.count == 1)
            #expect(back.image.bytes(in: 0x0800_0000..<0x0800_1017, fill: 0)
                == image.bytes(in: 0x0800_0000..<0x0800_1017, fill: 0))
        } else {
            #expect(back.image.segments == image.segments)
            #expect(back.image.sha256 == image.sha256)
        }
        if format == .hex || format == .srec || format == .elf { #expect(back.image.entry == image.entry) }
        if format == .uf2 { #expect(back.uf2FamilyID == 0xE48B_FF56) }
    }

    @Test(arguments: [("ihex", "fw.hex"), ("srec", "fw.srec")])
    func objcopyTextOutputReadsLikeTheELF(objcopyFormat: String, name: String) throws {
        let path = try fixture.objcopy(objcopyFormat, to: name)
        let read = try FirmwareImage.read(path: path)
        #expect(read.image.segments == image.segments)
        #expect(read.image.entry == image.entry)
        #expect(read.image.sha256 == image.sha256)
    }

    @Test func objcopyBelow1MiBUsesSegmentAddressesAndStillReadsLikeTheELF() throws {
        let low = try Fixture.low.get()
        let elf = try FirmwareImage.read(path: low.elf).image
        #expect(elf.segments.map(\.address) == [0, 0x11001])
        #expect((elf.segments.last?.count ?? 0) >= 70001 + 16 + 7)
        let hexPath = try low.objcopy("ihex", to: "fw.hex")
        let hexText = String(decoding: try low.bytes(hexPath), as: UTF8.self)
        // The premise: objcopy chose type 02 and 03 records here, and no type 04 or 05.
        #expect(hexText.contains(":020000021000EC") && hexText.contains(":04000003"))
        #expect(!hexText.contains(":02000004") && !hexText.contains(":04000005"))
        for path in [hexPath, try low.objcopy("srec", to: "fw.srec")] {
            let read = try FirmwareImage.read(path: path).image
            #expect(read == elf)
        }
        let bin = try low.bytes(try low.objcopy("binary", to: "fw.bin"))
        #expect(try elf.encoded(as: .bin) == bin)
    }

    @Test func binEqualsObjcopyByteForByte() throws {
        let expected = try fixture.bytes(try fixture.objcopy("binary", to: "objcopy.bin"))
        let output = fixture.path("atelier.bin")
        try image.write(to: output, format: .bin, replacing: true)
        let written = try fixture.bytes(output)
        #expect(written.count == 0x1017)
        #expect(written == expected)
    }

    @Test func writtenELFIsAcceptedByBinutilsAndMeansTheSame() throws {
        let output = fixture.path("atelier.elf")
        try image.write(to: output, replacing: true)
        let headers = try fixture.run("/usr/bin/arm-none-eabi-readelf", ["-h", "-l", "-S", "-W", output])
        #expect(headers.contains("ARM"))
        #expect(headers.components(separatedBy: "LOAD").count - 1 == image.segments.count)
        // objcopy works from sections: its BIN of our ELF must be the BIN of the original.
        try fixture.run("/usr/bin/arm-none-eabi-objcopy", ["-O", "binary", output, fixture.path("again.bin")])
        let original = try fixture.bytes(try fixture.objcopy("binary", to: "original.bin"))
        #expect(try fixture.bytes(fixture.path("again.bin")) == original)
        let back = try FirmwareImage.read(path: output).image
        #expect(back == image)
    }

    @Test func elfToELFKeepsMachineAndFlags() throws {
        let original = try FirmwareImage.read(path: fixture.elf)
        let identity = try #require(original.elf)
        #expect(identity.machine == 40)
        let written = try original.image.encoded(as: .elf, options: WriteOptions(elf: identity))
        let source = try fixture.bytes(fixture.elf)
        #expect(written[18..<20] == source[18..<20])
        #expect(written[36..<40] == source[36..<40])
        let riscv = try original.image.encoded(as: .elf, options: WriteOptions(elf: .init(machine: 243, flags: 1)))
        #expect(riscv[18..<20] == [243, 0] && riscv[36..<40] == [1, 0, 0, 0])
    }

    @Test func writeRefusesToReplaceWithoutPermission() throws {
        let output = fixture.path("exists.hex")
        try image.write(to: output, replacing: true)
        #expect(throws: FirmwareImageError.outputExists(path: output)) {
            try image.write(to: output)
        }
        try image.write(to: output, replacing: true)
        #expect(try FirmwareImage.read(path: output).image == image)
    }
}
