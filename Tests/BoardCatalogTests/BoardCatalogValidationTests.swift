import Foundation
import Testing

@testable import BoardCatalog

/// Each broken file yields its own error, pointing at the file and line to fix.
@Suite struct BoardCatalogValidationTests {
    static let goodChip = """
        id: testchip
        core: cortex-m3
        memory:
          - { name: flash, kind: flash, start: 0x08000000, size: 4K, sectors: [{ size: 1K, count: 4 }] }
          - { name: sram, kind: ram, start: 0x20000000, size: 1K }
        compiler: { toolchain: arm-none-eabi, flags: [-mthumb] }
        """
    static let goodBoard = """
        id: testboard
        chip: testchip
        console: { kind: semihosting }
        """

    func load(chips: [String] = [goodChip], boards: [String] = [goodBoard]) throws(BoardCatalogError) -> BoardCatalog {
        let files = chips.enumerated().map { CatalogFile(path: "chips/c\($0.offset).yaml", kind: .chip, text: $0.element) }
            + boards.enumerated().map { CatalogFile(path: "b\($0.offset).yaml", kind: .board, text: $0.element) }
        return try BoardCatalog.load(files: files)
    }

    func error(chips: [String] = [goodChip], boards: [String] = [goodBoard]) -> BoardCatalogError? {
        do {
            _ = try load(chips: chips, boards: boards)
            return nil
        } catch {
            return error
        }
    }

    @Test func theGoodFixtureLoads() throws {
        let catalog = try load()
        #expect(try catalog.board("testboard").chip.flash?.sectorList.count == 4)
    }

    @Test func unknownKeyNamesItsLineAndTheNearestKey() {
        let board = Self.goodBoard + "\nqemuu: netduinoplus2"
        let failure = error(boards: [board])
        guard case .unknownKey(let location, let key, _) = failure else {
            Issue.record("expected unknownKey, got \(String(describing: failure))")
            return
        }
        #expect(location == SourceLocation(file: "b0.yaml", line: 4))
        #expect(key == "qemuu")
        #expect(failure?.description.contains("did you mean 'qemu'?") == true)
    }

    @Test func overlappingRegionsAreRefused() {
        let chip = Self.goodChip.replacingOccurrences(of: "start: 0x20000000", with: "start: 0x08000800")
        let message = error(chips: [chip])?.description ?? ""
        #expect(message.hasPrefix("chips/c0.yaml:5:"))
        #expect(message.contains("overlap"))
    }

    @Test func sectorsMustAddUpToTheRegion() {
        let chip = Self.goodChip.replacingOccurrences(of: "count: 4", with: "count: 3")
        let message = error(chips: [chip])?.description ?? ""
        #expect(message.hasPrefix("chips/c0.yaml:4:"))
        #expect(message.contains("add up to 3K"))
        #expect(message.contains("region is 4K"))
    }

    @Test func unknownCoreSuggestsTheNearest() {
        let chip = Self.goodChip.replacingOccurrences(of: "cortex-m3", with: "cortex-m33x")
        let message = error(chips: [chip])?.description ?? ""
        #expect(message.hasPrefix("chips/c0.yaml:2:"))
        #expect(message.contains("unknown core 'cortex-m33x'"))
    }

    @Test func extendsCycleIsNamed() {
        let a = "id: a\nextends: b\nchip: testchip"
        let b = "id: b\nextends: a\nchip: testchip"
        guard case .extendsCycle(let location, let chain) = error(boards: [a, b]) else {
            Issue.record("expected an extends cycle")
            return
        }
        #expect(location == SourceLocation(file: "b1.yaml", line: 2))
        #expect(chain == ["a", "b", "a"])
    }

    @Test func duplicateIDNamesBothPlaces() {
        let message = error(boards: [Self.goodBoard, Self.goodBoard])?.description ?? ""
        #expect(message == "b1.yaml:1: id 'testboard' is already defined at b0.yaml:1; ids must be unique")
    }

    @Test(arguments: ["4Q", "lots", "0xZZ"])
    func badSizesNameTheKey(size: String) {
        let chip = Self.goodChip.replacingOccurrences(of: "size: 4K,", with: "size: \(size),")
        let message = error(chips: [chip])?.description ?? ""
        #expect(message.hasPrefix("chips/c0.yaml:4:"))
        #expect(message.contains("bad size '\(size)'"))
    }

    @Test func unknownChipReferenceSuggests() {
        let message = error(boards: [Self.goodBoard.replacingOccurrences(of: "chip: testchip", with: "chip: testchp")])?
            .description ?? ""
        #expect(message.contains("b0.yaml:2: unknown chip 'testchp'; did you mean 'testchip'?"))
    }

    @Test func invalidYAMLNamesTheLine() {
        let failure = error(boards: ["id: x\nchip: [unclosed\n"])
        guard case .syntax(let file, let line, _) = failure else {
            Issue.record("expected a syntax error, got \(String(describing: failure))")
            return
        }
        #expect(file == "b0.yaml")
        #expect(line >= 2)
    }

    @Test func deepNestingIsRefusedNotRecursed() {
        let deep = "id: x\nchip: testchip\nqemu: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(error(boards: [deep])?.description.contains("nesting deeper") == true)
    }

    @Test func aFileAboveTheSizeLimitIsRefusedBeforeParsing() {
        let huge = Self.goodBoard + "\n#" + String(repeating: "x", count: YAMLNode.maximumFileSize)
        #expect(error(boards: [huge])?.description.contains("file is larger than 1048576 bytes") == true)
    }

    @Test func flashWithoutSectorsIsRefused() {
        let chip = Self.goodChip.replacingOccurrences(of: ", sectors: [{ size: 1K, count: 4 }]", with: "")
        #expect(error(chips: [chip])?.description.contains("needs 'sectors'") == true)
    }

    /// The good chip with a `debug:` block made of `lines` (line 7 onwards).
    static func chip(debug lines: String) -> String {
        goodChip + "\ndebug:\n" + lines
    }

    @Test func uniqueIDSizeIsReadAndDefaultsTo12() throws {
        let sized = try load(chips: [Self.chip(debug: "  unique_id_address: 0x10000060\n  unique_id_size: 8")])
        #expect(try sized.board("testboard").chip.debug?.uniqueID.map { [$0.address, UInt64($0.size)] }
                    == [0x1000_0060, 8])
        let unsized = try load(chips: [Self.chip(debug: "  unique_id_address: 0x1FFFF7E8")])
        #expect(try unsized.board("testboard").chip.debug?.uniqueID?.size == 12)
        #expect(try load().board("testboard").chip.debug?.uniqueID == nil)
    }

    @Test(arguments: [("0", "must be 1 to 32 bytes, not 0"), ("33", "must be 1 to 32 bytes, not 33"),
                      ("1K", "must be 1 to 32 bytes, not 1024"), ("eight", "bad size 'eight'")])
    func aBadUniqueIDSizeNamesFileLineAndField(value: String, complaint: String) {
        let chip = Self.chip(debug: "  unique_id_address: 0x10000060\n  unique_id_size: \(value)")
        let message = error(chips: [chip])?.description ?? "loaded"
        #expect(message.hasPrefix("chips/c0.yaml:9:"), "\(message)")
        #expect(message.contains("unique_id_size") && message.contains(complaint), "\(message)")
    }

    @Test func aUniqueIDSizeWithoutAnAddressIsRefused() {
        let message = error(chips: [Self.chip(debug: "  interface: swd\n  unique_id_size: 8")])?.description ?? ""
        #expect(message.hasPrefix("chips/c0.yaml:9:") && message.contains("needs a unique_id_address"), "\(message)")
    }
}
