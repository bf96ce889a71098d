import BoardCatalog
import Foundation
import Testing

@testable import VirtualRig

/// Builds test firmware with the real arm-none-eabi toolchain in a temporary folder, and loads boards.
enum ChipTestSupport {
    struct ToolFailed: Error, CustomStringConvertible {
        let description: String
    }

    static let boardsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Boards").path

    static func board(_ id: String) throws -> Board {
        try BoardCatalog.load(folders: [boardsFolder]).board(id)
    }

    static func chip(_ boardID: String, clock: ChipClock = VirtualClock(timeScale: 0)) throws -> VirtualChip {
        try VirtualChip(board: board(boardID), clock: clock)
    }

    /// Assembles Thumb `source` linked at `base` and returns the raw binary.
    static func assemble(_ source: String, base: UInt32, cpu: String = "cortex-m3") throws -> [UInt8] {
        let header = ".syntax unified\n.thumb\n.cpu \(cpu)\n.global _start\n"
        return try build(files: ["main.s": header + source], base: base, cpu: cpu)
    }

    /// Compiles C sources (with their own vector table) linked with flash at `flash` and RAM at `ram`.
    static func compileC(_ source: String, flash: UInt32 = 0x0800_0000, ram: UInt32 = 0x2000_0000,
                         cpu: String = "cortex-m3") throws -> [UInt8] {
        try build(files: ["main.c": source], base: flash, ram: ram, cpu: cpu)
    }

    private static func build(files: [String: String], base: UInt32, ram: UInt32 = 0x2000_0000,
                              cpu: String) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("atelier-chip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            MEMORY { FLASH (rx) : ORIGIN = 0x\(String(base, radix: 16)), LENGTH = 256K
                     RAM (rwx) : ORIGIN = 0x\(String(ram, radix: 16)), LENGTH = 16K }
            SECTIONS {
              .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) } > FLASH
              .data : { *(.data*) } > RAM AT > FLASH
              .bss : { *(.bss*) *(COMMON) } > RAM
            }
            """
        try script.write(to: folder.appendingPathComponent("link.ld"), atomically: true, encoding: .utf8)
        var objects: [String] = []
        for (name, text) in files {
            let path = folder.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let object = path + ".o"
            try run("arm-none-eabi-gcc", ["-c", "-mcpu=\(cpu)", "-mthumb", "-Os", "-ffreestanding", "-o", object, path])
            objects.append(object)
        }
        let elf = folder.appendingPathComponent("fw.elf").path
        let bin = folder.appendingPathComponent("fw.bin").path
        try run("arm-none-eabi-gcc", ["-mcpu=\(cpu)", "-mthumb", "-nostdlib", "-nostartfiles",
                                      "-T", folder.appendingPathComponent("link.ld").path, "-o", elf] + objects)
        try run("arm-none-eabi-objcopy", ["-O", "binary", elf, bin])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: bin)))
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolFailed(description: "\(tool) failed: \(String(decoding: message, as: UTF8.self))")
        }
    }

    /// A vector table for `_start` with the stack at `stack`, for assembled programs in flash.
    static func vectors(stack: UInt32) -> String {
        """
        .section .vectors
        .word 0x\(String(stack, radix: 16))
        .word _start + 1
        .text
        .thumb_func

        """
    }
}
