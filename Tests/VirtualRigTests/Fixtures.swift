import BoardCatalog
import Foundation

/// Boards for the tests: a small fixture chip written to a temporary folder (so the tests do not depend on the
/// shipped data), and the repository's own Boards/ for the exact STM32F4 strings.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let chipYAML = """
        id: testchip
        vendor: Test
        core: cortex-m3
        memory:
          - name: flash
            kind: flash
            start: 0x08000000
            size: 12K
            write_unit: 4
            erased: 0xFF
            program_us: 10
            mass_erase_ms: 40
            sectors:
              - { size: 1K, count: 4, erase_ms: 2 }
              - { size: 4K, count: 2, erase_ms: 5 }
          - { name: sram, kind: ram, start: 0x20000000, size: 4K }
        flash_controller: stm32f1
        bootloaders: [dfuse]
        compiler: { toolchain: arm-none-eabi, flags: [-mcpu=cortex-m3, -mthumb] }
        """

    static let boardYAML = """
        id: testboard
        name: Test Board
        chip: testchip
        console: { kind: none }
        """

    /// A fresh temporary folder, removed by the caller when it matters.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rig-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func fixtureCatalog() throws -> BoardCatalog {
        let folder = try temporaryFolder()
        // The catalog is read into memory, so the files can go at once.
        defer { try? FileManager.default.removeItem(at: folder) }
        let chips = folder.appendingPathComponent("chips")
        try FileManager.default.createDirectory(at: chips, withIntermediateDirectories: true)
        try chipYAML.write(to: chips.appendingPathComponent("testchip.yaml"), atomically: true, encoding: .utf8)
        try boardYAML.write(to: folder.appendingPathComponent("testboard.yaml"), atomically: true, encoding: .utf8)
        return try BoardCatalog.load(folders: [folder.path])
    }

    static func testBoard() throws -> Board { try fixtureCatalog().board("testboard") }

    static func repositoryCatalog() throws -> BoardCatalog {
        try BoardCatalog.load(folders: [packageRoot.appendingPathComponent("Boards").path])
    }
}
