import AtelierTestSupport
import BoardCatalog
import Foundation
import Testing

@testable import Scaffold

struct LinkerScriptTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var memory: [MemoryRegion]
        var expectedMemoryLines: [String]
        var flash: String
        var ram: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "stm32f1", memory: [
            MemoryRegion(name: "flash", kind: .flash, start: 0x0800_0000, size: 64 * 1024),
            MemoryRegion(name: "sram", kind: .ram, start: 0x2000_0000, size: 20 * 1024),
            MemoryRegion(name: "system", kind: .rom, start: 0x1FFF_F000, size: 2048),
        ], expectedMemoryLines: [
            "flash (rx) : ORIGIN = 0x8000000, LENGTH = 0x10000",
            "sram (rwx) : ORIGIN = 0x20000000, LENGTH = 0x5000",
            "system (rx) : ORIGIN = 0x1FFFF000, LENGTH = 0x800",
        ], flash: "flash", ram: "sram"),
        Case(name: "ram first in the map", memory: [
            MemoryRegion(name: "ccm", kind: .ram, start: 0x1000_0000, size: 64 * 1024),
            MemoryRegion(name: "code", kind: .flash, start: 0, size: 256 * 1024),
            MemoryRegion(name: "sram", kind: .ram, start: 0x2000_0000, size: 128 * 1024),
        ], expectedMemoryLines: [
            "ccm (rwx) : ORIGIN = 0x10000000, LENGTH = 0x10000",
            "code (rx) : ORIGIN = 0x0, LENGTH = 0x40000",
            "sram (rwx) : ORIGIN = 0x20000000, LENGTH = 0x20000",
        ], flash: "code", ram: "ccm"),
        Case(name: "odd names", memory: [
            MemoryRegion(name: "main-flash", kind: .flash, start: 0x1000_0000, size: 2 * 1024 * 1024),
            MemoryRegion(name: "2ram", kind: .ram, start: 0x2000_0000, size: 264 * 1024),
        ], expectedMemoryLines: [
            "main_flash (rx) : ORIGIN = 0x10000000, LENGTH = 0x200000",
            "_2ram (rwx) : ORIGIN = 0x20000000, LENGTH = 0x42000",
        ], flash: "main_flash", ram: "_2ram"),
    ]

    @Test(arguments: cases)
    func memoryMapBecomesScript(_ testCase: Case) throws {
        var board = try TestSupport.board("netduinoplus2")
        board.chip.memory = testCase.memory
        let script = try #require(try LinkerScript.generate(for: board))
        for line in testCase.expectedMemoryLines {
            #expect(script.contains("    " + line + "\n"), "missing '\(line)' in\n\(script)")
        }
        #expect(script.contains("__stack_top = ORIGIN(\(testCase.ram)) + LENGTH(\(testCase.ram));"))
        #expect(script.contains("} > \(testCase.ram) AT > \(testCase.flash)"), "data loads from flash")
        #expect(script.contains(".vectors : { KEEP(*(.vectors)) KEEP(*(.init)) } > \(testCase.flash)"))
        #expect(script.contains("ENTRY(Reset_Handler)"))
    }

    @Test func riscvScriptSetsGlobalPointer() throws {
        let script = try #require(try LinkerScript.generate(for: TestSupport.board("longan-nano")))
        #expect(script.contains("ENTRY(_start)"))
        #expect(script.contains("__global_pointer$"))
        #expect(!script.contains(".ARM.exidx"))
    }

    @Test func avrUsesTheToolchainScript() throws {
        #expect(try LinkerScript.generate(for: TestSupport.board("uno")) == nil)
        #expect(StartupCode.generate(for: try TestSupport.board("uno")) == nil)
    }

    @Test func missingRAMIsNamed() throws {
        var board = try TestSupport.board("netduinoplus2")
        board.chip.memory.removeAll { $0.kind == .ram }
        #expect(throws: ScaffoldError.missingMemory(board: "netduinoplus2", kind: "ram",
                                                    file: board.chip.source.description)) {
            try LinkerScript.generate(for: board)
        }
    }

    @Test(arguments: [("netduinoplus2", true), ("microbit", false), ("lm3s6965evb", false), ("mps2-an386", true)])
    func startupEnablesTheFPUOnlyWhereThereIsOne(board id: String, fpu: Bool) throws {
        let startup = try #require(StartupCode.generate(for: TestSupport.board(id)))
        #expect(startup.contains("0xE000ED88") == fpu)
        #expect(startup.contains("__data_load"))
        #expect(startup.contains("__bss_start"))
        #expect(startup.contains("(void (*)(void))__stack_top"))
    }
}
