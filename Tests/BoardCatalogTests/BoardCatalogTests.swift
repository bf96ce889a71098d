import Foundation
import Testing

@testable import BoardCatalog

/// The repository's own Boards/ folder, found from this file's path.
let repositoryBoards = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Boards").path

@Suite struct BuiltInBoardsTests {
    let catalog: BoardCatalog

    init() throws {
        catalog = try BoardCatalog.load(folders: [repositoryBoards])
    }

    @Test func everyRequiredBoardIsThere() {
        let required = [
            "bluepill", "nucleo-f103rb", "blackpill-f411ce", "nucleo-f401re", "stm32f4-discovery", "netduinoplus2",
            "stm32vldiscovery", "mps2-an386", "lm3s6965evb", "microbit", "pico", "nrf52840dk", "uno", "longan-nano",
        ]
        #expect(Set(required).isSubset(of: Set(catalog.boards.map(\.id))))
    }

    @Test func stm32f407HasItsDatasheetSectorMap() throws {
        let board = try catalog.board("stm32f4-discovery")
        let flash = try #require(board.chip.flash)
        #expect(flash.start == 0x0800_0000)
        #expect(flash.size == 1 << 20)
        let kibibytes: [UInt64] = [16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128]
        #expect(flash.sectorList.map(\.size) == kibibytes.map { $0 << 10 })
        #expect(flash.sector(containing: 0x0802_0000)?.index == 5)
        #expect(flash.sector(containing: 0x0801_FFFF)?.index == 4)
        #expect(board.chip.bootloaders == ["dfuse"])
        #expect(board.chip.debug?.dpIDCode == 0x2BA0_1477)
    }

    /// Every chip with a documented unique ID a debug port can read has it, at its reference manual's address.
    @Test func chipsCarryTheirUniqueIDAddressAndSize() throws {
        let expected: [String: (UInt64, Int)] = [
            "stm32f4-discovery": (0x1FFF_7A10, 12), "nucleo-f401re": (0x1FFF_7A10, 12),
            "netduinoplus2": (0x1FFF_7A10, 12), "blackpill-f411ce": (0x1FFF_7A10, 12),
            "bluepill": (0x1FFF_F7E8, 12), "nucleo-f103rb": (0x1FFF_F7E8, 12), "stm32vldiscovery": (0x1FFF_F7E8, 12),
            "longan-nano": (0x1FFF_F7E8, 12), "nrf52840dk": (0x1000_0060, 8), "microbit": (0x1000_0060, 8),
        ]
        for (board, (address, size)) in expected {
            let id = try catalog.board(board).chip.debug?.uniqueID
            #expect(id?.address == address && id?.size == size, "\(board): \(String(describing: id))")
        }
        for board in ["pico", "uno", "mps2-an386", "lm3s6965evb"] {
            #expect(try catalog.board(board).chip.debug?.uniqueID == nil, "\(board)")
        }
    }

    @Test func extendsMergesParentKeysUnderTheChild() throws {
        let f405 = try catalog.board("netduinoplus2").chip
        let f407 = try catalog.board("stm32f4-discovery").chip
        #expect(f405.id == "stm32f405rg")
        #expect(f405.memory == f407.memory)
        let f401 = try catalog.board("nucleo-f401re").chip
        #expect(f401.flash?.size == 512 << 10)
        #expect(f401.debug?.partIDCode == 0x1000_6433)
        // A mapping merges key by key: the parent's DP id survives the child's override of the part id.
        #expect(f401.debug?.dpIDCode == 0x2BA0_1477)
    }

    struct ExpectedMap: Sendable, CustomTestStringConvertible {
        var id: String
        var flash: Range<UInt64>
        var ram: Range<UInt64>
        var testDescription: String { id }
    }

    static let expectedMaps: [ExpectedMap] = [
        ExpectedMap(id: "bluepill", flash: 0x0800_0000..<0x0801_0000, ram: 0x2000_0000..<0x2000_5000),
        ExpectedMap(id: "microbit", flash: 0x0..<0x4_0000, ram: 0x2000_0000..<0x2000_4000),
        ExpectedMap(id: "pico", flash: 0x1000_0000..<0x1020_0000, ram: 0x2000_0000..<0x2004_2000),
        ExpectedMap(id: "uno", flash: 0x0..<0x8000, ram: 0x80_0100..<0x80_0900),
        ExpectedMap(id: "longan-nano", flash: 0x0800_0000..<0x0802_0000, ram: 0x2000_0000..<0x2000_8000),
        ExpectedMap(id: "nrf52840dk", flash: 0x0..<0x10_0000, ram: 0x2000_0000..<0x2004_0000),
    ]

    @Test(arguments: expectedMaps)
    func memoryMaps(expected: ExpectedMap) throws {
        let chip = try catalog.board(expected.id).chip
        let flash = try #require(chip.flash)
        let ram = try #require(chip.ram)
        #expect(flash.start..<flash.end == expected.flash)
        #expect(ram.start..<ram.end == expected.ram)
    }

    @Test func unknownBoardSuggestsTheNearestIDs() {
        #expect(throws: BoardCatalogError.unknownBoard("bluepil", suggestions: ["bluepill"])) {
            try catalog.board("bluepil")
        }
    }
}

@Suite struct ByteSizeTests {
    @Test(arguments: [
        ("64K", UInt64(65536)), ("1M", UInt64(1 << 20)), ("0x08000000", UInt64(0x0800_0000)), ("2048", UInt64(2048)),
        ("16k", UInt64(16384)), ("0X1F", UInt64(31)),
    ] as [(String, UInt64)])
    func parsesAcceptedForms(text: String, value: UInt64) {
        #expect(ByteSize.parse(text) == value)
    }

    @Test(arguments: ["", "K", "12Q", "0x", "-1", "99999999999999999999", "18014398509481984K", "1.5M"])
    func rejectsOtherText(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test func formatsTheShortestExactSpelling() {
        #expect(ByteSize.format(65536) == "64K")
        #expect(ByteSize.format(1 << 20) == "1M")
        #expect(ByteSize.format(528) == "528")
    }
}
