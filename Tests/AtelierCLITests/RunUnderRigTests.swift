import Foundation
import Testing

/// `atelier run` on the virtual rig: firmware built here with arm-none-eabi-gcc (its own two-word vector table, no
/// C library) prints over semihosting, and atelier flashes it, resets the core and serves the calls.
@Suite(.serialized) struct RunUnderRigTests {
    static let hasCompiler = FileManager.default.isExecutableFile(atPath: "/usr/bin/arm-none-eabi-gcc")
    let state: URL
    let work: URL
    let atelier: String
    let rig: String

    init() throws {
        state = try CLIRunner.temporaryDirectory()
        work = try CLIRunner.temporaryDirectory()
        atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
    }

    /// `body` runs first thing after reset; `sh(op, arg)` is a semihosting call.
    func firmware(_ name: String, body: String, cpu: String = "cortex-m3", ram: String = "0x20005000",
                  prelude: String = "") throws -> String
    {
        let source = prelude + """
            static int sh(int op, const void *arg) {
                register int r0 __asm__("r0") = op;
                register const void *r1 __asm__("r1") = arg;
                __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
                return r0;
            }
            void _start(void) { \(body) for (;;) {} }
            __attribute__((section(".vectors"), used)) void (*const vectors[2])(void) = {
                (void (*)(void))\(ram), _start};
            """
        let script = """
            MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 64K
                     RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 20K }
            SECTIONS { .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) } > FLASH
                       .bss (NOLOAD) : { *(.bss*) *(COMMON) } > RAM }
            """
        let c = work.appendingPathComponent("\(name).c"), ld = work.appendingPathComponent("link.ld")
        let elf = work.appendingPathComponent("\(name).elf").path
        try source.write(to: c, atomically: true, encoding: .utf8)
        try script.write(to: ld, atomically: true, encoding: .utf8)
        let gcc = try CLIRunner.run("/usr/bin/arm-none-eabi-gcc", [
            "-mcpu=\(cpu)", "-mthumb", "-Os", "-ffreestanding", "-nostdlib", "-nostartfiles", "-T", ld.path,
            "-o", elf, c.path,
        ])
        try #require(gcc.exitCode == 0, "\(gcc.stderr)")
        return elf
    }

    func run(_ elf: String, board: String = "bluepill", device: String = "stlink:bluepill", _ extra: [String])
        throws -> CLIRunner.Result
    {
        try CLIRunner.run(rig, ["exec", "--time-scale", "0", "--state", state.path, "--console",
                                work.appendingPathComponent("console.txt").path, "--device", device, "--",
                                atelier, "run", elf, "--board", board] + extra)
    }

    static let hello = #"sh(4, "Hello from bluepill\n"); sh(0x18, (const void *)0x20026);"#

    @Test(.enabled(if: hasCompiler)) func helloPassesOnItsExpectAndASecondRunFlashesNothing() throws {
        let elf = try firmware("hello", body: Self.hello)
        let first = try run(elf, ["--expect", "Hello from bluepill", "--timeout", "20"])
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stdout == "Hello from bluepill\n")
        #expect(first.stderr.contains("run: passed: Hello from bluepill"))
        let second = try run(elf, ["--expect", "Hello from bluepill"])
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stderr.contains("1 unchanged, 0 bytes written"), "\(second.stderr)")
    }

    @Test(.enabled(if: hasCompiler)) func sysWriteAndANormalExitWithoutExpectPass() throws {
        let body = #"unsigned b[3] = {1, (unsigned)"written\n", 8}; sh(5, b); sh(3, "!"); "#
            + #"sh(0x18, (const void *)0x20026);"#
        let result = try run(try firmware("write", body: body), [])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "written\n!")
    }

    @Test(.enabled(if: hasCompiler)) func aFailureLineOrAFailingExitIsExit1() throws {
        let summary = #"sh(4, "3 Tests 1 Failures 0 Ignored\nFAIL\n"); sh(0x18, (const void *)0x20026);"#
        let failed = try run(try firmware("unity", body: summary), ["--expect", "OK"])
        #expect(failed.exitCode == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("the firmware failed: 3 Tests 1 Failures"))
        let crashed = try run(try firmware("exit", body: #"sh(0x18, (const void *)0x20023);"#), [])
        #expect(crashed.exitCode == 1)
        #expect(crashed.stderr.contains("exited with reason 0x20023"), "\(crashed.stderr)")
        let matched = try run(try firmware("custom", body: Self.hello), ["--fail", "from blue"])
        #expect(matched.exitCode == 1)
    }

    @Test(.enabled(if: hasCompiler)) func aFirmwareThatHangsTimesOutWithExit3() throws {
        let started = Date()
        let result = try run(try firmware("hang", body: ""), ["--expect", "never", "--timeout", "1.5"])
        #expect(result.exitCode == 3)
        #expect(result.stderr.contains("no verdict after 1.5 s"))
        #expect(Date().timeIntervalSince(started) >= 1.5)
    }

    @Test(.enabled(if: hasCompiler)) func helloOnTheF4Discovery() throws {
        let body = #"sh(4, "Hello from stm32f4-discovery\n"); sh(0x18, (const void *)0x20026);"#
        let elf = try firmware("f4", body: body, cpu: "cortex-m4", ram: "0x20010000")
        let result = try run(elf, board: "stm32f4-discovery", device: "stlink-v21:stm32f4-discovery",
                             ["--expect", "Hello from stm32f4-discovery"])
        #expect(result.exitCode == 0, "\(result.stderr)")
    }
}

extension RunUnderRigTests {
    /// A SEGGER RTT control block built at run time (the ID written last, as SEGGER's code does), with one
    /// 64-byte up buffer that the firmware fills and the host drains.
    static let rtt = """
        struct buffer { const char *name; char *data; unsigned size; volatile unsigned write, read, flags; };
        static struct { char id[16]; int up, down; struct buffer buffers[2]; } cb;
        static char ring[64];
        static void put(const char *text) {
            for (; *text; text++) {
                while ((cb.buffers[0].write + 1) % 64 == cb.buffers[0].read) {}
                ring[cb.buffers[0].write] = *text;
                cb.buffers[0].write = (cb.buffers[0].write + 1) % 64;
            }
        }
        """

    @Test(.enabled(if: hasCompiler)) func rttOutputIsReadFromTheUpBuffer() throws {
        let body = """
            cb.up = 1; cb.down = 1; cb.buffers[0].data = ring; cb.buffers[0].size = 64;
            cb.buffers[0].write = 0; cb.buffers[0].read = 0;
            char *id = cb.id; id[9] = 'T'; id[8] = 'T'; id[7] = 'R'; id[6] = ' '; id[5] = 'R'; id[4] = 'E';
            id[3] = 'G'; id[2] = 'G'; id[1] = 'E'; id[0] = 'S'; /* the tail of the 16-byte ID stays as RAM was */
            put("Hello over RTT, long enough to wrap the 64-byte ring at least once\\n"); put("done\\n");
            """
        let elf = try firmware("rtt", body: body, prelude: Self.rtt)
        let result = try run(elf, ["--console", "rtt", "--expect", "done", "--timeout", "20"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "Hello over RTT, long enough to wrap the 64-byte ring at least once\ndone\n")
    }
}
