import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every entry of docs/errors.md, produced for real: the command runs, and its stderr and exit code are checked
/// against what the catalogue promises. A second test keeps the catalogue and this list the same.
@Suite struct ErrorCatalogueTests {
    struct Entry: Sendable, CustomTestStringConvertible {
        var title: String
        var exitCode: Int32
        /// The part of the message the catalogue quotes; the rest may name paths of the run.
        var message: String
        /// `atelier test` reports a slot's failure in its result line on stdout; everything else says it on stderr.
        var onStdout = false
        var run: @Sendable (URL) throws -> CLIRunner.Result

        var testDescription: String { title }
    }

    static func file(_ folder: URL, _ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func rig(_ folder: URL, _ devices: [String], _ arguments: [String]) throws -> CLIRunner.Result {
        let rig = try #require(CLIRunner.locate("atelier-rig"))
        let atelier = try #require(CLIRunner.locate("atelier"))
        let image = try file(folder, "fw.bin", String(repeating: "\u{1}", count: 8192))
        var command = ["exec", "--time-scale", "0"]
        for device in devices { command += ["--device", device] }
        return try CLIRunner.run(rig, command + ["--", atelier, "flash", image, "--base", "0x08000000"] + arguments)
    }

    /// `atelier flash` run as an unprivileged user, as on a machine without atelier's udev rules: the rig's
    /// device tree stays readable (so the probe is listed) but its device nodes belong to root with mode 0600, so
    /// the kernel refuses libusb's open() with EACCES. The shell under the rig finds the tree in $UMOCKDEV_DIR; the
    /// rig's own sockets in it stand in for the kernel's side and are opened to everyone.
    static func withoutUSBPermission(_ folder: URL, _ devices: [String], _ arguments: [String]) throws
        -> CLIRunner.Result
    {
        let rig = try #require(CLIRunner.locate("atelier-rig"))
        let atelier = try #require(CLIRunner.locate("atelier"))
        let image = try file(folder, "fw.bin", String(repeating: "\u{1}", count: 64))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        let script = """
            chmod -R a+rwX "$UMOCKDEV_DIR" && chmod 0600 "$UMOCKDEV_DIR"/dev/bus/usb/*/* &&
            exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$0" "$@"
            """
        var command = ["exec", "--time-scale", "0"]
        for device in devices { command += ["--device", device] }
        return try CLIRunner.run(rig, command + ["--", "/bin/sh", "-c", script, atelier, "flash", image, "--base",
                                                 "0x08000000"] + arguments)
    }

    /// `atelier test --wait 0` on a slot whose lease this test process holds, as another job would.
    static func lockedSlot(_ folder: URL) throws -> CLIRunner.Result {
        _ = try file(folder, "rig.yaml", "slots:\n  - {name: bp-1, board: bluepill, probe: usb:1-1}\n")
        let locks = folder.appendingPathComponent("locks")
        try FileManager.default.createDirectory(at: locks, withIntermediateDirectories: true)
        let lock = open(locks.appendingPathComponent("slot-bp-1.lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        try #require(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
        defer { close(lock) }
        let holder = "pid \(getpid()) on test since now\n"
        _ = holder.withCString { write(lock, $0, strlen($0)) }
        var environment = ProcessInfo.processInfo.environment
        environment["ATELIER_LOCK_DIR"] = locks.path
        return try CLIRunner.atelier("test", "--wait", "0", "--image", "bp-1=fw.elf", environment: environment,
                                     in: folder)
    }

    /// Runs `body` with a loopback TCP port that is bound but not listening: connecting to it is refused, and no
    /// other program can take it meanwhile.
    static func withClosedPort(_ body: (Int) throws -> CLIRunner.Result) throws -> CLIRunner.Result {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(socket >= 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        try #require(bound)
        return try body(Int(UInt16(bigEndian: address.sin_port)))
    }

    static let entries: [Entry] = [
        Entry(title: "Unknown board", exitCode: 2, message: "unknown board 'blupill'; did you mean 'bluepill'?") { _ in
            try CLIRunner.atelier("boards", "show", "blupill")
        },
        Entry(title: "Invalid board file", exitCode: 2, message: "broken.yaml:3: 'clock_hz' has bad size 'fast'") { dir in
            _ = try file(dir, "boards/broken.yaml", "id: broken\nchip: stm32f103x8\nclock_hz: fast\n")
            return try CLIRunner.atelier("boards", "check", dir.appendingPathComponent("boards").path)
        },
        Entry(title: "Corrupt Intel HEX line", exitCode: 2,
              message: "bad.hex:1: checksum is 0x00 but the record's bytes need 0x78") { dir in
            let path = try file(dir, "bad.hex", ":10000000000102030405060708090A0B0C0D0E0F00\n:00000001FF\n")
            return try CLIRunner.atelier("image", "info", path)
        },
        Entry(title: "Overlapping segments", exitCode: 2,
              message: "segments 0x00000000..0x00000003 (4 bytes) and 0x00000002..0x00000005 (4 bytes) overlap") { dir in
            let path = try file(dir, "overlap.hex", ":0400000001020304F2\n:0400020005060708E0\n:00000001FF\n")
            return try CLIRunner.atelier("image", "info", path)
        },
        Entry(title: "Truncated ELF", exitCode: 2,
              message: "runs past the end of the file (60 bytes); the file is truncated or corrupt") { dir in
            var header = [UInt8](repeating: 0, count: 60)
            header.replaceSubrange(0..<7, with: [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1])
            header[16] = 2  // ET_EXEC
            header[28] = 0x34  // program headers at 52, past the 60-byte file with 2 entries
            header[42] = 32
            header[44] = 2
            let url = dir.appendingPathComponent("truncated.elf")
            try Data(header).write(to: url)
            return try CLIRunner.atelier("image", "info", url.path)
        },
        Entry(title: "Image outside the board's flash", exitCode: 2,
              message: "16 image bytes at 0x08100000..0x0810000F lie outside the board's flash; the nearest region is "
                + "'flash' at 0x08000000..0x080FFFFF. Nothing was written") { dir in
            let path = try file(dir, "fw.bin", String(repeating: "A", count: 16))
            return try CLIRunner.atelier("flash", path, "--base", "0x08100000", "--board", "stm32f4-discovery")
        },
        Entry(title: "Project folder not empty", exitCode: 2,
              message: "is not empty; choose an empty folder or pass --force to write over the files there") { dir in
            _ = try file(dir, "p/keep.txt", "mine")
            return try CLIRunner.atelier("new", dir.appendingPathComponent("p").path, "--board", "bluepill")
        },
        Entry(title: "Missing toolchain", exitCode: 3,
              message: "xtensa-esp32-elf-gcc is not installed; install the Debian package gcc-xtensa-esp32-elf") { dir in
            let chip = """
                id: xchip
                core: cortex-m4
                memory:
                  - { name: flash, kind: flash, start: 0x0, size: 4K, sectors: [{ size: 1K, count: 4 }] }
                  - { name: ram, kind: ram, start: 0x20000000, size: 4K }
                compiler: { toolchain: xtensa-esp32-elf, flags: [] }
                """
            let boards = dir.appendingPathComponent("boards").path
            _ = try file(dir, "boards/chips/xchip.yaml", chip)
            _ = try file(dir, "boards/xboard.yaml", "id: xboard\nchip: xchip\n")
            let project = dir.appendingPathComponent("app")
            _ = try CLIRunner.atelier("new", project.path, "--board", "xboard", "--boards-path", boards)
            return try CLIRunner.atelier("build", "--boards-path", boards, in: project)
        },
        Entry(title: "No probe attached", exitCode: 3, message: "no probe found of kind") { dir in
            let path = try file(dir, "fw.bin", "firmware")
            return try CLIRunner.atelier("flash", path, "--base", "0x08000000", "--board", "stm32f4-discovery")
        },
        Entry(title: "Ambiguous probe", exitCode: 2, message: "2 probes are attached, refusing to guess") { dir in
            try rig(dir, ["dfuse:stm32f4-discovery:serial=S", "dfuse:stm32f4-discovery:serial=S"],
                    ["--board", "stm32f4-discovery"])
        },
        Entry(title: "Wrong chip", exitCode: 2, message: "the device is not a nucleo-f401re") { dir in
            try rig(dir, ["dfuse:stm32f4-discovery"], ["--board", "nucleo-f401re"])
        },
        Entry(title: "Probe unplugged while flashing", exitCode: 3,
              message: "the device disappeared during program at 0x08000800") { dir in
            try rig(dir, ["dfuse:stm32f4-discovery:fault=unplug-after=20K"], ["--board", "stm32f4-discovery"])
        },
        Entry(title: "Verify mismatch", exitCode: 1,
              message: "verify failed at 0x08000010: the image has 0x01 but the device holds 0x00") { dir in
            try rig(dir, ["dfuse:stm32f4-discovery:fault=bitflip-readback=0x08000010"], ["--board", "stm32f4-discovery"])
        },
        Entry(title: "No USB permission", exitCode: 3,
              message: "permission denied: open 0483:df11 at usb:1-1 to read its strings") { dir in
            try withoutUSBPermission(dir, ["dfuse:stm32f4-discovery"], ["--board", "stm32f4-discovery"])
        },
        Entry(title: "Locked slot", exitCode: 3,
              message: "gave up after 0 s, raise --wait to queue longer", onStdout: true) { dir in
            try lockedSlot(dir)
        },
        Entry(title: "Ledger unreachable", exitCode: 3,
              message: "the ledger is unavailable: cannot connect to 127.0.0.1:") { dir in
            _ = try file(dir, "fw.bin", "firmware")
            let batch = try file(dir, "batch.yaml", """
                board: stm32f4-discovery
                image: fw.bin
                base: 0x08000000
                count: 1
                identity: {serial: {format: "U-{seq:04}"}}
                """)
            return try withClosedPort { port in
                try CLIRunner.atelier("provision", batch, "--ledger", "postgres://atelier@127.0.0.1:\(port)/line")
            }
        },
    ]

    @Test(arguments: entries)
    func theCommandGivesTheCataloguedMessageAndExitCode(_ entry: Entry) throws {
        let result = try entry.run(try CLIRunner.temporaryDirectory())
        #expect(result.exitCode == entry.exitCode, "\(result.stderr)")
        #expect((entry.onStdout ? result.stdout : result.stderr).contains(entry.message), "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("flashed"), "a failure must never report success")
    }

    @Test func docsErrorsListsEveryEntryWithItsMessageAndCode() throws {
        let catalogue = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("docs/errors.md"),
                                   encoding: .utf8)
        for entry in Self.entries {
            let row = catalogue.split(separator: "\n").first { $0.hasPrefix("| \(entry.title) |") }
            #expect(row?.contains(entry.message) == true, "docs/errors.md lacks the message of '\(entry.title)'")
            #expect(row?.hasSuffix("| \(entry.exitCode) |") == true, "docs/errors.md gives '\(entry.title)' another code")
        }
    }
}
