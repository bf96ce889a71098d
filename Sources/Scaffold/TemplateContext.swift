import BoardCatalog

/// The values templates see, computed from a board: ids, console and LED details, language settings.
enum TemplateContext {
    static func make(
        board: Board, language: Language, template: ProjectTemplate, projectName: String
    ) -> [String: Any] {
        let led = board.leds.first
        let pin = LEDPin(led?.pin ?? "")
        let family = ledFamily(board)
        var context: [String: Any] = [
            "project_name": projectName,
            "board_id": board.id,
            "board_id_length": board.id.utf8.count,
            "board_macro": board.id.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init)
                .joined(),
            "board_name": board.name,
            "chip_id": board.chip.id,
            "core": board.core.rawValue,
            "language": language.rawValue,
            "language_name": languageName(language),
            "template": template.rawValue,
            "toolchain": board.chip.compiler.toolchain,
            "debian_packages": debianPackages(board.chip.compiler.toolchain),
            "clock_hz": board.clockHz ?? 16_000_000,
            "reset_clock_hz": resetClockHz(board),
            "console_clock_hz": resetClockHz(board),
            "console_kind": board.console.kind.rawValue,
            "baud": board.console.baud ?? 115_200,
            "uart_peripheral": board.console.peripheral ?? "",
            "uart_data_register": "0x" + String(board.console.dataRegister ?? 0, radix: 16, uppercase: true),
            "led_name": led?.name ?? "none",
            "led_pin": led?.pin ?? "none",
            "led_active_low": led?.activeLow ?? false,
            "led_port": pin.port,
            "led_port_letter": pin.portLetter,
            "led_pin_number": pin.number,
            "led_family": family,
            "family_\(family)": true,
            "armv6m": board.chip.compiler.swiftTarget?.hasPrefix("armv6m") ?? false,
            "probes": board.probes.joined(separator: ", "),
            "memory_summary": board.memory.map { "\($0.name) \(ByteSize.format($0.size)) at 0x"
                + String($0.start, radix: 16, uppercase: true) }.joined(separator: ", "),
            "sources": sources(language),
        ]
        if let qemu = board.qemu { context["qemu"] = qemu }
        // Where `atelier provision` puts the identity block by default, and how far it may reach.
        if let sector = board.memory.lastFlashSector {
            let hex = String(sector.start, radix: 16, uppercase: true)
            context["identity_address"] = "0x" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
            context["identity_limit"] = sector.size
        }
        context["board_support"] = board.core.architecture == .avr
            ? "the console (USART0) and the LED; startup code and linker script are avr-libc's own for "
                + "`-mmcu`, which already match the part"
            : "the linker script (from the memory map), the startup code (vector table, `.data` copy, `.bss` "
                + "zeroing, stack at the top of RAM), the console and the LED"
        if board.core.architecture != .avr { context["linker_script"] = "board/linker.ld" }
        switch (board.console.kind, board.core.architecture) {
        case (.semihosting, _): context["semihosting"] = true
        case (.uart, .avr): context["uart_avr"] = true
        case (.uart, _): context["uart_stm32"] = true
        default: context["semihosting"] = true
        }
        if board.console.kind == .semihosting {
            context["console_note"] = "output appears in the debugger (or QEMU); without one attached, "
                + "a semihosting call stops the core"
        }
        let notes = notes(board)
        if !notes.isEmpty { context["notes"] = ["items": notes] }
        return context
    }

    static func sources(_ language: Language) -> [String] {
        switch language {
        case .c: ["src/**/*.c", "board/*.c"]
        case .cpp: ["src/**/*.cpp", "src/**/*.c", "board/*.c"]
        case .swift: ["src/**/*.swift", "board/*.c"]
        }
    }

    static func languageName(_ language: Language) -> String {
        switch language {
        case .c: "C"
        case .cpp: "C++"
        case .swift: "Embedded Swift"
        }
    }

    /// The Debian packages that provide a GNU toolchain prefix and its C library.
    static func debianPackages(_ toolchain: String) -> String {
        switch toolchain {
        case "arm-none-eabi": "gcc-arm-none-eabi libnewlib-arm-none-eabi"
        case "avr": "gcc-avr avr-libc"
        case "riscv64-unknown-elf": "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf"
        default: "gcc-\(toolchain)"
        }
    }

    /// Which register layout drives the LED, from the chip's flash controller (the catalog's family marker).
    static func ledFamily(_ board: Board) -> String {
        switch board.chip.flashController {
        case "stm32f1", "gd32vf103": "stm32f1"
        case "stm32f4": "stm32f4"
        case "nrf51", "nrf52": "nrf"
        case "rp2040-qspi": "rp2040"
        case "stellaris": "stellaris"
        case "avr-isp": "avr"
        default: board.chip.id.hasPrefix("cmsdk") ? "mps2" : "none"
        }
    }

    /// The clock the chip runs from out of reset, before any clock setup: what delays and baud rates use.
    static func resetClockHz(_ board: Board) -> UInt64 {
        switch board.chip.flashController {
        case "stm32f1", "gd32vf103", "stm32f4": board.chip.id.hasPrefix("stm32f4") ? 16_000_000 : 8_000_000
        case "rp2040-qspi": 6_500_000
        case "stellaris": 12_000_000
        default: board.clockHz ?? 16_000_000
        }
    }

    static func notes(_ board: Board) -> [String] {
        var notes: [String] = []
        if board.chip.id == "rp2040" {
            notes.append("Not yet bootable from flash: the RP2040 boot ROM expects a 256-byte second stage (boot2) "
                + "at 0x10000000, which sets up the QSPI flash, and the application after it at 0x10000100. "
                + "atelier does not generate boot2 yet, so this image links its vector table at 0x10000000; "
                + "loaded through SWD by a debugger it runs, and for flash boot it needs the pico-sdk's boot2 "
                + "and a flash origin moved to 0x10000100.")
        }
        if board.chip.compiler.swiftTarget?.hasPrefix("armv6m") == true, board.core == .cortexM3 {
            notes.append("Embedded Swift code is compiled for armv6m (this Swift ships no armv7m stdlib); "
                + "ARMv6-M code runs unchanged on the Cortex-M3.")
        }
        return notes
    }
}

/// A pin name as boards write it: `PC13`, `P0.13`, `GP25`, `FPGAIO.LED0`, `PB5`.
struct LEDPin {
    var port = 0
    var portLetter = "A"
    var number = 0

    init(_ name: String) {
        let digits = name.reversed().prefix { $0.isNumber }.reversed()
        number = Int(String(digits)) ?? 0
        if name.count >= 3, name.hasPrefix("P"), let letter = name.dropFirst().first, letter.isLetter,
            let ascii = letter.asciiValue, let base = Character("A").asciiValue
        {
            port = Int(ascii) - Int(base)
            portLetter = String(letter)
        }
    }
}
