import BoardCatalog
import Foundation
import Testing

@testable import VirtualRig

@Suite struct VirtualFlashTests {
    let flash: VirtualFlash

    init() throws {
        let region = try #require(try Fixtures.testBoard().chip.flash)
        flash = VirtualFlash(region: region)
    }

    @Test func startsErased() {
        #expect(flash.bytes.count == 12 * 1024)
        #expect(flash.bytes.allSatisfy { $0 == 0xFF })
    }

    @Test func programmingOnlyClearsBits() throws {
        try flash.program(0x0800_0000, [0xF0, 0x0F, 0xAA, 0x55])
        try flash.program(0x0800_0000, [0xCC, 0xCC, 0xFF, 0x00])
        #expect(flash.read(0x0800_0000, count: 4) == [0xC0, 0x0C, 0xAA, 0x00])
    }

    @Test func eraseRestoresOneSectorOnly() throws {
        try flash.program(0x0800_0000, [UInt8](repeating: 0, count: 2048))
        let erased = try flash.eraseSector(containing: 0x0800_0010)
        #expect(erased.sector.range == 0x0800_0000..<0x0800_0400)
        #expect(erased.milliseconds == 2)
        #expect(flash.read(0x0800_0000, count: 1024).allSatisfy { $0 == 0xFF })
        #expect(flash.read(0x0800_0400, count: 1024).allSatisfy { $0 == 0x00 })
    }

    @Test func programTimeIsPerWriteUnit() throws {
        // 10 bytes are 3 four-byte units of 10 us each.
        #expect(try flash.program(0x0800_0000, [UInt8](repeating: 0, count: 10)) == 0.03)
    }

    @Test func outOfRangeIsAnError() {
        #expect(throws: VirtualRigError.self) { try flash.program(0x0800_2FFE, [0, 0, 0, 0]) }
        #expect(throws: VirtualRigError.self) { try flash.eraseSector(containing: 0x0900_0000) }
        #expect(flash.read(0x0800_2FFE, count: 8).count == 2)
    }

    @Test func stateSurvivesASaveAndLoad() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = FlashStateStore(directory: folder.appendingPathComponent("state").path)
        let path = store.path(kind: "dfuse", board: "testboard", serial: "ABC/1")
        #expect(path.hasSuffix("/dfuse-testboard-ABC_1.flash"))
        try flash.program(0x0800_0100, [1, 2, 3])
        try store.save(flash, path: path)
        #expect(flash.isDirty == false)
        let again = VirtualFlash(region: flash.region)
        try store.load(into: again, path: path)
        #expect(again.bytes == flash.bytes)
    }

    @Test func cleanFlashWritesNoFileAndMissingFileLoadsErased() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = FlashStateStore(directory: folder.path)
        let path = store.path(kind: "dfu", board: "b", serial: "s")
        try store.save(flash, path: path)
        #expect(!FileManager.default.fileExists(atPath: path))
        try store.load(into: flash, path: path)
        #expect(flash.bytes.allSatisfy { $0 == 0xFF })
    }

    @Test func stateFileOfTheWrongSizeIsRefused() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = FlashStateStore(directory: folder.path)
        let path = store.path(kind: "dfu", board: "b", serial: "s")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(throws: VirtualRigError.self) { try store.load(into: flash, path: path) }
    }
}
