import FirmwareImage
import Foundation
import Testing

/// `atelier image info|convert` run as a user runs them: output, files written, exit codes.
@Suite struct ImageCommandTests {
    let folder: URL
    let image: FirmwareImage
    let environment: [String: String]

    init() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("atelier-image-cli-\(UUID().uuidString)")
        let chips = folder.appendingPathComponent("home/Boards/chips")
        try FileManager.default.createDirectory(at: chips, withIntermediateDirectories: true)
        // A board of our own, so the test does not depend on the shipped catalog's contents.
        try """
            id: testchip
            vendor: Test
            core: cortex-m3
            memory:
              - { name: flash, kind: flash, start: 0x08000000, size: 4K, sectors: [{ size: 1K, count: 4 }] }
              - { name: sram, kind: ram, start: 0x20000000, size: 1K }
            compiler: { toolchain: arm-none-eabi, flags: [-mthumb] }
            uf2_family_id: 0x12345678
            """.write(to: chips.appendingPathComponent("testchip.yaml"), atomically: true, encoding: .utf8)
        try """
            id: testboard
            name: Test board
            chip: testchip
            console: { kind: none }
            """.write(to: folder.appendingPathComponent("home/Boards/testboard.yaml"), atomically: true,
                      encoding: .utf8)
        environment = ["ATELIER_HOME": folder.appendingPathComponent("home").path, "ATELIER_BOARDS_PATH": ""]
        image = try FirmwareImage(segments: [Segment(address: 0x0800_0000, bytes: Array(0..<40)),
                                             Segment(address: 0x0800_0101, bytes: [0xAA, 0xBB, 0xCC])],
                                  entry: 0x0800_0009)
        try image.write(to: path("fw.elf"))
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func atelier(_ arguments: String...) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and stall the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self),
                String(decoding: stderr, as: UTF8.self))
    }

    /// The `atelier` built beside the test bundle, whatever scratch path `swift test` used.
    static func executable() throws -> URL {
        var candidates = [Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("atelier")]
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("atelier"))
        }
        // Swift Testing runs under swiftpm-testing-helper, which gets the bundle's path as an argument.
        for argument in CommandLine.arguments where argument.hasSuffix(".xctest") {
            let bundleFolder = URL(fileURLWithPath: argument).deletingLastPathComponent()
            candidates.append(bundleFolder.appendingPathComponent("atelier"))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/atelier"))
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) })
    }

    func contents(_ name: String) -> Data? { FileManager.default.contents(atPath: path(name)) }

    @Test func infoPrintsSegmentsEntryAndDigest() throws {
        let result = try atelier("image", "info", "fw.elf", "--board", "testboard")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("0x08000000..0x08000027  40 bytes"))
        #expect(result.stdout.contains("0x08000101..0x08000103  3 bytes"))
        #expect(result.stdout.contains("entry     0x08000009"))
        #expect(result.stdout.contains(image.sha256))
        #expect(result.stdout.contains("flash     flash  43 bytes of 4K"))
    }

    @Test func infoJSONHasTheSameFactsAsNumbers() throws {
        let result = try atelier("image", "info", "fw.elf", "--json", "--board", "testboard")
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["sha256"] as? String == image.sha256)
        #expect(json["entry"] as? Int == 0x0800_0009)
        let segments = try #require(json["segments"] as? [[String: Any]])
        #expect(segments.compactMap { $0["address"] as? Int } == [0x0800_0000, 0x0800_0101])
        #expect(json["fits"] as? Bool == true)
    }

    @Test func convertWritesObjcopysBinAndRefusesToOverwrite() throws {
        let first = try atelier("image", "convert", "fw.elf", "fw.bin")
        #expect(first.status == 0, "\(first.stderr)")
        let objcopy = Process()
        objcopy.executableURL = URL(fileURLWithPath: "/usr/bin/arm-none-eabi-objcopy")
        objcopy.arguments = ["-O", "binary", path("fw.elf"), path("objcopy.bin")]
        try objcopy.run()
        objcopy.waitUntilExit()
        #expect(contents("fw.bin") != nil && contents("fw.bin") == contents("objcopy.bin"))
        let again = try atelier("image", "convert", "fw.elf", "fw.bin")
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists; pass --force"))
        #expect(try atelier("image", "convert", "fw.elf", "fw.bin", "--force").status == 0)
    }

    @Test func uf2FamilyDefaultsToTheBoardsAndBlocksAreWholePages() throws {
        let result = try atelier("image", "convert", "fw.elf", "fw.uf2", "--board", "testboard")
        #expect(result.status == 0, "\(result.stderr)")
        let read = try FirmwareImage.read(path: path("fw.uf2"))
        #expect(read.uf2FamilyID == 0x1234_5678)
        #expect(read.image.ranges == [0x0800_0000..<0x0800_0200])
        #expect(read.image.bytes(in: 0x0800_0101..<0x0800_0104, fill: 0) == [0xAA, 0xBB, 0xCC])
    }

    @Test func badInputExitsTwoWithWhereAndWhat() throws {
        try ":0400000001020304F3\n:00000001FF\n".write(toFile: path("bad.hex"), atomically: true, encoding: .utf8)
        let corrupt = try atelier("image", "info", "bad.hex")
        #expect(corrupt.status == 2)
        #expect(corrupt.stderr.contains("bad.hex:1: checksum is 0xF3 but the record's bytes need 0xF2"))
        let missing = try atelier("image", "info", "missing.hex")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read missing.hex: no such file"))
        try Data([1, 2, 3]).write(to: folder.appendingPathComponent("raw.bin"))
        let noBase = try atelier("image", "convert", "raw.bin", "x.hex")
        #expect(noBase.status == 2)
        #expect(noBase.stderr.contains("--base"))
    }

    @Test func imageOutsideTheBoardExitsTwoNamingTheRegion() throws {
        let bytes = [UInt8](repeating: 1, count: 0x200)
        let big = try FirmwareImage(segments: [Segment(address: 0x0800_0F00, bytes: bytes)])
        try big.write(to: path("big.hex"))
        let result = try atelier("image", "info", "big.hex", "--board", "testboard")
        #expect(result.status == 2)
        #expect(result.stderr.contains("0x08001000..0x080010FF (256 bytes) lie outside every flash and RAM region"))
        #expect(result.stderr.contains("'flash'"))
        let convert = try atelier("image", "convert", "big.hex", "big.bin", "--board", "testboard")
        #expect(convert.status == 2)
        #expect(!FileManager.default.fileExists(atPath: path("big.bin")))
    }
}
