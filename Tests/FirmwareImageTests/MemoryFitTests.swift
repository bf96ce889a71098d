import BoardCatalog
import FirmwareImage
import Testing

@Suite struct MemoryFitTests {
    /// A Blue Pill's map through BoardCatalog's own type, mapped the way the CLI maps it.
    static let areas = [
        MemoryRegion(name: "flash", kind: .flash, start: 0x0800_0000, size: 64 * 1024),
        MemoryRegion(name: "sram", kind: .ram, start: 0x2000_0000, size: 20 * 1024),
        MemoryRegion(name: "system", kind: .rom, start: 0x1FFF_F000, size: 2048),
    ].map { MemoryArea(name: $0.name, kind: $0.kind.rawValue, start: $0.start, size: $0.size,
                       loadable: $0.kind == .flash || $0.kind == .ram) }

    @Test func reportsTheRegionsTouched() throws {
        let image = try FirmwareImage(segments: [
            Segment(address: 0x0800_0000, bytes: [UInt8](repeating: 0, count: 100)),
            Segment(address: 0x2000_0010, bytes: [1, 2]),
        ])
        let report = image.fit(in: Self.areas)
        #expect(report.fits)
        #expect(report.touched.map(\.area.name) == ["flash", "sram"])
        #expect(report.touched.map(\.bytes) == [100, 2])
        #expect(report.touched.last?.span == 0x2000_0010..<0x2000_0012)
        #expect(throws: Never.self) { try image.checkFit(in: Self.areas) }
    }

    @Test func imageTooLargeNamesTheRegionAndTheBytesOutside() throws {
        let bytes = [UInt8](repeating: 0, count: 0x300)
        let image = try FirmwareImage(segments: [Segment(address: 0x0800_FF00, bytes: bytes)])
        let report = image.fit(in: Self.areas)
        #expect(report.outside == [0x0801_0000..<0x0801_0200])
        let error = #expect(throws: FirmwareImageError.self) { try image.checkFit(in: Self.areas) }
        guard case .outsideMemory(let bytes, let nearest) = error else {
            Issue.record("expected outsideMemory, got \(String(describing: error))")
            return
        }
        #expect(bytes == 0x0801_0000..<0x0801_0200)
        #expect(nearest?.name == "flash")
        let message = error?.description ?? ""
        #expect(message.contains("0x08010000..0x080101FF (512 bytes)"))
        #expect(message.contains("'flash'") && message.contains("overrun by 512 bytes"))
    }

    @Test func bytesInROMCountAsOutsideAndTheNearestLoadableRegionIsNamed() throws {
        let image = try FirmwareImage(segments: [Segment(address: 0x1FFF_F000, bytes: [1, 2, 3, 4])])
        let report = image.fit(in: Self.areas)
        #expect(report.touched.isEmpty)
        #expect(report.outside == [0x1FFF_F000..<0x1FFF_F004])
        #expect(throws: FirmwareImageError.outsideMemory(bytes: 0x1FFF_F000..<0x1FFF_F004, nearest: Self.areas[1])) {
            try image.checkFit(in: Self.areas)
        }
    }
}
