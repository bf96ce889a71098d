import Foundation
import Synchronization

/// How a QEMU run ended.
public enum QEMUOutcome: Equatable, Sendable {
    /// `--expect` matched (QEMU is stopped), or without `--expect` the firmware exited with status 0.
    case passed
    /// `--fail` matched, a unit-test summary counted failures, the firmware exited non-zero, or it exited
    /// before `--expect` matched. The text says which.
    case failed(String)
    /// Neither happened within the time limit.
    case timedOut(seconds: Double)
}

/// What to watch for in the console output.
public struct QEMUExpectations: Sendable {
    public var expect: String?
    public var fail: String?
    public var timeout: Double

    public init(expect: String? = nil, fail: String? = nil, timeout: Double = 30) {
        self.expect = expect
        self.fail = fail
        self.timeout = timeout
    }
}

/// Boots an ELF on a QEMU machine with semihosting, streams what the firmware prints, and judges it.
public struct QEMURunner: Sendable {
    /// `qemu-system-arm`, found on PATH or in /usr/bin.
    public var executable: String

    /// The summary line the unit-test templates print.
    static let summaryPattern = #"unit-test: ([0-9]+) passed, ([0-9]+) failed"#

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(BuildError) {
        let folders = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + Toolchain.fallbackFolders
        guard let path = Toolchain.locate("qemu-system-arm", in: folders) else {
            throw .toolMissing(tool: "qemu-system-arm", package: "qemu-system-arm")
        }
        executable = path
    }

    public func arguments(machine: String, elf: String) -> [String] {
        // Semihosting would write to stderr; a stdio chardev puts the firmware's output alone on stdout.
        ["-M", machine, "-display", "none", "-monitor", "none", "-serial", "none",
         "-chardev", "stdio,id=semihosting", "-semihosting-config", "enable=on,target=native,chardev=semihosting",
         "-kernel", elf]
    }

    /// Runs `elf` on `machine`; `output` receives the console text as it arrives.
    public func run(elf: String, machine: String, expectations: QEMUExpectations,
                    output: @escaping @Sendable (String) -> Void) throws(BuildError) -> QEMUOutcome
    {
        func compile(_ pattern: String?) throws(BuildError) -> NSRegularExpression? {
            guard let pattern else { return nil }
            do {
                return try NSRegularExpression(pattern: pattern)
            } catch {
                throw .invalidPattern(pattern: pattern, reason: error.localizedDescription)
            }
        }
        let expect = try compile(expectations.expect)
        let fail = try compile(expectations.fail)
        let summary = try compile(Self.summaryPattern)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(machine: machine, elf: elf)
        // Semihosting output arrives on stdout; QEMU's own diagnostics ("Timer with period zero", "terminating
        // on signal 15" when we stop it) on stderr, kept apart and shown only when QEMU itself failed.
        let pipe = Pipe()
        let diagnostics = Pipe()
        process.standardOutput = pipe
        process.standardError = diagnostics
        process.standardInput = FileHandle.nullDevice

        let verdict = Mutex<QEMUOutcome?>(nil)
        let text = Mutex("")
        let finished = DispatchSemaphore(value: 0)
        let judge: @Sendable (String) -> QEMUOutcome? = { all in
            let range = NSRange(all.startIndex..., in: all)
            if let fail, fail.firstMatch(in: all, range: range) != nil {
                return .failed("the output matched --fail '\(fail.pattern)'")
            }
            if let summary, let match = summary.firstMatch(in: all, range: range),
                let failedRange = Range(match.range(at: 2), in: all), all[failedRange] != "0"
            {
                return .failed("the unit tests reported \(all[failedRange]) failure(s)")
            }
            if let expect, expect.firstMatch(in: all, range: range) != nil { return .passed }
            return nil
        }
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                finished.signal()
                return
            }
            let chunk = String(decoding: data, as: UTF8.self)
            output(chunk)
            let all = text.withLock { value -> String in
                value += chunk
                return value
            }
            if let outcome = judge(all) {
                verdict.withLock { if $0 == nil { $0 = outcome } }
                finished.signal()
            }
        }
        do {
            try process.run()
        } catch {
            throw .spawnFailed(tool: executable, reason: error.localizedDescription)
        }
        let deadline = DispatchTime.now() + expectations.timeout
        let waited = finished.wait(timeout: deadline)
        if process.isRunning { Self.stop(process) }
        process.waitUntilExit()
        pipe.fileHandleForReading.readabilityHandler = nil
        if let outcome = verdict.withLock({ $0 }) { return outcome }
        if waited == .timedOut { return .timedOut(seconds: expectations.timeout) }
        let status = process.terminationStatus
        let stderr = String(decoding: diagnostics.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if status != 0, !stderr.isEmpty, text.withLock({ $0.isEmpty }) {
            let message = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return .failed("QEMU stopped with status \(status): \(message)")
        }
        if expectations.expect != nil {
            return .failed("QEMU exited (status \(status)) before the output matched --expect")
        }
        return status == 0 ? .passed : .failed("the firmware exited with a failure status (QEMU status \(status))")
    }

    /// SIGTERM, then SIGKILL after half a second: a QEMU started from here has been seen to ignore SIGTERM
    /// while its guest spins (the blinky loop), and a run must never hang past its timeout. QEMU holds no
    /// state worth a graceful exit.
    static func stop(_ process: Process) {
        process.terminate()
        for _ in 0..<25 where process.isRunning {
            usleep(20_000)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
