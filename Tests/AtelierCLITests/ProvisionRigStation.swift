import Foundation
import Provisioning
import Testing

/// A provisioning station on the virtual rig for CLI tests: a work folder with a batch for STM32F4 Discovery
/// boards behind emulated ST-Links, and a shell script run under one `atelier-rig exec` with the station's
/// boards attached, so a provisioning run, a restart and the read-back of every board share one testbed.
struct ProvisionRigStation {
    static let blockAddress = "0x080E0000"
    /// The STM32F407's 96-bit unique ID (`unique_id_address` of Boards/chips/stm32f407vg.yaml).
    static let uidAddress = "0x1FFF7A10"
    let work: URL
    let atelier: String
    let rig: String

    init(count: Int) throws {
        work = try CLIRunner.temporaryDirectory()
        atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
        rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
        try Data((0..<24_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }).write(to: file("fw.bin"))
        try """
            name: stations
            board: stm32f4-discovery
            image: fw.bin
            base: 0x08000000
            count: \(count)
            identity:
              serial: {format: "ST-{seq:05}", first: 1, last: 99999}
              mac: {first: "02:A7:00:00:00:00", last: "02:A7:00:00:FF:FF"}
              key: p256
            """.write(to: file("batch.yaml"), atomically: true, encoding: .utf8)
    }

    func file(_ name: String) -> URL { work.appendingPathComponent(name) }

    /// An ST-Link serial of the 24 characters stlink-tools expects, unique per name.
    static func probeSerial(_ name: String) -> String {
        "ATPROV" + String(repeating: "0", count: max(0, 18 - name.count)) + name
    }

    /// `atelier provision` as a shell command line writing its JSON lines to `output`.
    /// `options` replace `--count`: `--parallel 4`, several `--probe`, … .
    func provisionLine(ledger: String, station: String, count: Int = 1, board: String? = nil, output: String,
                       environment: String = "", options: String? = nil) -> String
    {
        let probe = board.map { " --probe \(Self.probeSerial($0))" } ?? ""
        return "\(environment) \(atelier) provision \(file("batch.yaml").path) --ledger '\(ledger)' "
            + "--station \(station) \(options ?? "--count \(count)")\(probe) --json > \(file(output).path) "
            + "2> \(file(output + ".err").path); echo $? > \(file(output + ".code").path)"
    }

    /// `atelier read` of a board's identity block into `block-NAME.bin`.
    func readBackLine(board name: String) -> String {
        "\(atelier) read \(Self.blockAddress) 1024 --probe \(Self.probeSerial(name)) "
            + "-o \(file("block-\(name).bin").path) > \(file("read-\(name).log").path) 2>&1"
    }

    /// `atelier read` of a board's chip unique ID into `uid-NAME.bin`: the judge of what the ledger recorded.
    func uidLine(board name: String) -> String {
        "\(atelier) read \(Self.uidAddress) 12 --probe \(Self.probeSerial(name)) "
            + "-o \(file("uid-\(name).bin").path) > \(file("uid-\(name).log").path) 2>&1"
    }

    /// The unique ID read from board `name`, as the ledger writes it (upper-case hex); nil when not read.
    func uid(_ name: String) -> String? {
        guard let data = try? Data(contentsOf: file("uid-\(name).bin")), data.count == 12 else { return nil }
        return data.map { String(format: "%02X", $0) }.joined()
    }

    /// Runs `lines` under one rig exec with `boards` (names) attached, their flash kept in `state`. A board is an
    /// ST-Link unless `devices` gives its rig device (another kind, faults).
    func underRig(boards: [String], state: String, devices: [String: String] = [:], _ lines: [String]) throws
        -> CLIRunner.Result
    {
        var arguments = ["exec", "--time-scale", "0", "--state", file(state).path]
        for name in boards {
            arguments += ["--device", devices[name] ?? "stlink:stm32f4-discovery:serial=\(Self.probeSerial(name))"]
        }
        return try CLIRunner.run(rig, arguments + ["--", "/bin/sh", "-c", lines.joined(separator: "\n")],
                                 timeout: 300)
    }

    func exitCode(_ output: String) -> Int32? {
        (try? String(contentsOf: file(output + ".code"), encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The last JSON line a provisioning run printed: its result.
    func result(_ output: String) -> [String: Any]? {
        guard let text = try? String(contentsOf: file(output), encoding: .utf8),
              let line = text.split(separator: "\n").last
        else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    /// Every result line of a run (one per board), without the state lines.
    func results(_ output: String) -> [[String: Any]] {
        let text = (try? String(contentsOf: file(output), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }.filter { $0["result"] != nil }
    }

    /// The block read back from board `name`, decoded; nil when it does not decode.
    func block(_ name: String) -> IdentityBlock? {
        guard let data = try? Data(contentsOf: file("block-\(name).bin")) else { return nil }
        return try? IdentityBlock(decoding: Array(data))
    }

    func log(_ name: String) -> String { (try? String(contentsOf: file(name), encoding: .utf8)) ?? "(none)" }
}

/// Opens the ledger a test named as `sqlite:PATH` or a postgres:// address.
func openLedger(_ spec: String) throws -> any Ledger {
    spec.hasPrefix("sqlite:") ? try SQLiteLedger(path: String(spec.dropFirst("sqlite:".count)))
        : try PostgresLedger(url: spec)
}
