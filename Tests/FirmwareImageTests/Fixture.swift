import Foundation

/// A real Cortex-M3 firmware built by arm-none-eabi-gcc in a temporary folder, once per test run.
///
/// The linker script gives the image the shapes the readers must get right: `.data` linked in RAM but loaded in
/// flash right after `.config` (LMA != VMA), a gap between `.text` and `.config` that GNU ld fills with zeros
/// inside one PT_LOAD, `.bss` with no file bytes, and a 7-byte `.data` so the image ends at an odd address.
struct Fixture: Sendable {
    static let shared: Result<Fixture, FixtureError> = Result { () throws(FixtureError) in try Fixture.build() }

    /// The same program linked at address 0 with a 70,001-byte table from 0x11001: below 1 MiB objcopy writes
    /// HEX with extended segment addresses (type 02) and a start segment address (type 03), and the table's data
    /// crosses 64 KiB boundaries.
    static let low: Result<Fixture, FixtureError> = Result { () throws(FixtureError) in
        try Fixture.build(flash: 0, configAddress: 0x11001, extraSource: """
            __attribute__((section(".config"), used))
            const unsigned char table[70001] = { 1, 2, 3, [70000] = 9 };
            """)
    }

    let directory: URL
    let elf: String

    static let source = """
        extern unsigned int _estack;
        void Reset_Handler(void);
        __attribute__((section(".isr_vector"), used))
        const void *vectors[2] = { &_estack, (void *)Reset_Handler };
        __attribute__((section(".config"), used))
        const unsigned int config[4] = { 0xC0FFEE01, 2, 3, 0xDEADBEEF };
        char greeting[7] = "hello!";
        unsigned int counter;
        extern char _sidata, _sdata, _edata;
        void Reset_Handler(void) {
            char *src = &_sidata, *dst = &_sdata;
            while (dst < &_edata) *dst++ = *src++;
            for (;;) { counter += (unsigned)greeting[counter % 7]; }
        }
        """

    static func linkerScript(flash: UInt64, configAddress: UInt64) -> String {
        """
        MEMORY { FLASH (rx) : ORIGIN = \(hex(flash)), LENGTH = 256K
                 RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 20K }
        ENTRY(Reset_Handler)
        _estack = ORIGIN(RAM) + LENGTH(RAM);
        SECTIONS {
          .text : { KEEP(*(.isr_vector)) *(.text*) *(.rodata*) } > FLASH
          .config \(hex(configAddress)) : { KEEP(*(.config)) } > FLASH
          .data : { _sdata = .; *(.data*) _edata = .; } > RAM AT > FLASH
          _sidata = LOADADDR(.data);
          .bss (NOLOAD) : { *(.bss*) *(COMMON) } > RAM
          /DISCARD/ : { *(.ARM.exidx*) *(.comment) }
        }
        """
    }

    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    static func build(
        flash: UInt64 = 0x0800_0000, configAddress: UInt64 = 0x0800_1000, extraSource: String = ""
    ) throws(FixtureError) -> Fixture {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("atelier-image-tests-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try (source + "\n" + extraSource).write(to: directory.appendingPathComponent("fw.c"), atomically: true,
                                                    encoding: .utf8)
            try linkerScript(flash: flash, configAddress: configAddress)
                .write(to: directory.appendingPathComponent("fw.ld"), atomically: true, encoding: .utf8)
        } catch {
            throw FixtureError(message: "cannot write the fixture sources: \(error)")
        }
        let fixture = Fixture(directory: directory, elf: directory.appendingPathComponent("fw.elf").path)
        try fixture.run("/usr/bin/arm-none-eabi-gcc", [
            "-mcpu=cortex-m3", "-mthumb", "-Os", "-nostdlib", "-ffreestanding", "-Wl,--no-warn-rwx-segments",
            "-T", fixture.path("fw.ld"), fixture.path("fw.c"), "-o", fixture.elf,
        ])
        return fixture
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// `arm-none-eabi-objcopy -O <format> fw.elf <name>`, returning the output's path.
    func objcopy(_ format: String, to name: String) throws(FixtureError) -> String {
        try run("/usr/bin/arm-none-eabi-objcopy", ["-O", format, elf, path(name)])
        return path(name)
    }

    /// Runs a tool and returns its standard output; a non-zero exit or anything on stderr is an error.
    @discardableResult
    func run(_ tool: String, _ arguments: [String]) throws(FixtureError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw FixtureError(message: "cannot run \(tool): \(error)")
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorText = String(decoding: stderr, as: UTF8.self)
        guard process.terminationStatus == 0, errorText.isEmpty else {
            throw FixtureError(message: "\(tool) \(arguments.joined(separator: " ")) exited "
                + "\(process.terminationStatus): \(errorText)")
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    func bytes(_ path: String) throws(FixtureError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FixtureError(message: "cannot read \(path)")
        }
        return [UInt8](data)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
