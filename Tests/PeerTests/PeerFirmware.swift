import Foundation

/// Tiny firmware for the peer tests, built with the real arm-none-eabi toolchain: a blinky that toggles a board
/// LED through the GPIO set/reset register with a delay loop, a semihosting hello, and arbitrary bytes wrapped in
/// an ELF for OpenOCD's `program`.
enum PeerFirmware {
    struct ToolFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// An STM32 blinky: enables the GPIO port clock, makes the pin an output, and toggles it through BSRR.
    /// F1 (bluepill PC13): RCC_APB2ENR 0x40021018 bit 4, GPIOC at 0x40011000 (CRH, BSRR 0x10).
    /// F4 (discovery PD12): RCC_AHB1ENR 0x40023830 bit 3, GPIOD at 0x40020C00 (MODER, BSRR 0x18).
    static func blinkySource(family: String) -> String {
        let setup: String
        let bsrr: String
        let pin: Int
        if family == "f1" {
            setup = """
                *(volatile uint32_t *)0x40021018 |= 1u << 4;
                volatile uint32_t *crh = (volatile uint32_t *)0x40011004;
                *crh = (*crh & ~(0xFu << 20)) | (0x2u << 20);
                """
            (bsrr, pin) = ("0x40011010", 13)
        } else {
            setup = """
                *(volatile uint32_t *)0x40023830 |= 1u << 3;
                volatile uint32_t *moder = (volatile uint32_t *)0x40020C00;
                *moder = (*moder & ~(0x3u << 24)) | (0x1u << 24);
                """
            (bsrr, pin) = ("0x40020C18", 12)
        }
        return """
            #include <stdint.h>
            void reset(void);
            __attribute__((section(".vectors"), used)) const void *vectors[] = { (void *)0x20005000, (void *)reset };
            static void delay(volatile uint32_t n) { while (n--) {} }
            void reset(void) {
                \(setup)
                volatile uint32_t *bsrr = (volatile uint32_t *)\(bsrr);
                for (;;) {
                    *bsrr = 1u << \(pin);
                    delay(20000);
                    *bsrr = 1u << (\(pin) + 16);
                    delay(20000);
                }
            }
            """
    }

    /// Prints a line with SYS_WRITE0 and stops with SYS_EXIT (ADP_Stopped_ApplicationExit).
    static let helloSource = """
        void reset(void);
        __attribute__((section(".vectors"), used)) const void *vectors[] = { (void *)0x20005000, (void *)reset };
        static int semihost(int op, const void *arg) {
            register int r0 __asm__("r0") = op;
            register const void *r1 __asm__("r1") = arg;
            __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
            return r0;
        }
        void reset(void) {
            semihost(0x04, "hello from the emulated core\\n");
            semihost(0x18, (const void *)0x20026);
            for (;;) {}
        }
        """

    /// Writes a line to the bluepill's USART1 data register (0x40013804) and idles.
    static let uartHelloSource = """
        #include <stdint.h>
        void reset(void);
        __attribute__((section(".vectors"), used)) const void *vectors[] = { (void *)0x20005000, (void *)reset };
        void reset(void) {
            volatile uint32_t *data = (volatile uint32_t *)0x40013804;
            for (const char *c = "hello over the UART\\n"; *c; c++) *data = (uint8_t)*c;
            for (;;) {}
        }
        """

    /// Compiles `source` (C, or assembler with `fileExtension` "s") for `cpu` linked at `flash` (the STM32 flash
    /// base unless told); writes NAME.elf and NAME.bin into `folder`.
    @discardableResult
    static func build(_ source: String, name: String, cpu: String = "cortex-m3", fileExtension: String = "c",
                      flash: UInt32 = 0x0800_0000, in folder: URL) throws -> URL {
        try RigProcess.requireTool("arm-none-eabi-gcc", package: "gcc-arm-none-eabi")
        let script = """
            MEMORY { FLASH (rx) : ORIGIN = 0x\(String(flash, radix: 16)), LENGTH = 1024K
                     RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 20K }
            SECTIONS { .text : { KEEP(*(.vectors)) KEEP(*(.text*)) *(.rodata*) } > FLASH }
            """
        let linkScript = folder.appendingPathComponent("\(name).ld")
        try script.write(to: linkScript, atomically: true, encoding: .utf8)
        let sourceFile = folder.appendingPathComponent("\(name).\(fileExtension)")
        try source.write(to: sourceFile, atomically: true, encoding: .utf8)
        let elf = folder.appendingPathComponent("\(name).elf")
        try run("arm-none-eabi-gcc", ["-mcpu=\(cpu)", "-mthumb", "-Os", "-nostdlib", "-nostartfiles",
                                      "-T", linkScript.path, "-o", elf.path, sourceFile.path])
        try run("arm-none-eabi-objcopy", ["-O", "binary", elf.path, folder.appendingPathComponent("\(name).bin").path])
        return elf
    }

    /// Links the bytes of `bin` at `flash` (the STM32 flash base unless told) into NAME.elf, as OpenOCD's
    /// `program` wants an image with load addresses (program headers).
    @discardableResult
    static func elf(wrapping bin: URL, name: String, flash: UInt32 = 0x0800_0000, in folder: URL) throws -> URL {
        try build(".section .vectors,\"ax\"\n.incbin \"\(bin.path)\"\n", name: name, fileExtension: "s",
                  flash: flash, in: folder)
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
}
