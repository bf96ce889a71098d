import Foundation
import Testing

/// One board on the virtual rig for a CLI test: its own `--state` folder, so several `atelier-rig exec` runs
/// (atelier, then dfu-util as the judge) see the same flash, and faults given per run.
struct RigFlashSession {
    let state: URL
    let work: URL
    let atelier: String
    let rig: String
    let device: String
    let board: String

    init(device: String, board: String) throws {
        state = try CLIRunner.temporaryDirectory()
        work = try CLIRunner.temporaryDirectory()
        atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
        self.device = device
        self.board = board
    }

    func underRig(_ command: [String], faults: [String] = [], timeout: TimeInterval = 120) throws -> CLIRunner.Result {
        var arguments = ["exec", "--time-scale", "0", "--state", state.path, "--device", device]
        for fault in faults { arguments += ["--fault", fault] }
        return try CLIRunner.run(rig, arguments + ["--"] + command, timeout: timeout)
    }

    func flash(_ image: URL, base: String = "0x08000000", _ extra: [String] = [], faults: [String] = [])
        throws -> CLIRunner.Result
    {
        try underRig([atelier, "flash", image.path, "--base", base, "--board", board] + extra, faults: faults)
    }

    func image(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = work.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// What dfu-util reads back from the device's alt 0 (`-s` for DfuSe, the whole stream for plain DFU).
    func dfuUtilUpload(_ extra: [String] = []) throws -> [UInt8] {
        let upload = work.appendingPathComponent("up-\(UUID().uuidString).bin")
        let result = try underRig(["dfu-util", "-a", "0"] + extra + ["-U", upload.path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        return [UInt8](try Data(contentsOf: upload))
    }

    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    /// The report object of a `--json` run: its last stdout line.
    static func report(_ result: CLIRunner.Result) throws -> [String: Any] {
        let line = try #require(result.stdout.split(separator: "\n").last, "no output; stderr: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return try #require(object?["report"] as? [String: Any], "no report in \(line)")
    }
}
