import BoardCatalog
import FirmwareImage
import Foundation
import Synchronization

/// How to build: profile, parallel jobs.
public struct BuildOptions: Sendable {
    public var profile: BuildProfile
    public var jobs: Int

    public init(profile: BuildProfile = .debug, jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.profile = profile
        self.jobs = max(1, jobs)
    }
}

/// What a build did: which steps ran, how many processes it started, where the outputs are, and the size.
public struct BuildReport: Codable, Sendable {
    public var board: String
    public var profile: BuildProfile
    /// Sources (or `swift` for the one Swift module) that were compiled this time.
    public var compiled: [String]
    public var linked: Bool
    /// Processes started: 0 for a build with nothing to do.
    public var spawned: Int
    public var upToDate: Bool { spawned == 0 }
    /// Output kind (`elf`, `bin`, `hex`, `map`) to path relative to the project root.
    public var outputs: [String: String]
    /// Every command that ran, as a shell line (for `-v`).
    public var commands: [String]
    /// Compiler and linker warnings, as the tools printed them.
    public var warnings: String
    public var size: SizeReport
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case board, profile, compiled, linked, spawned, upToDate, outputs, commands, warnings, size, seconds
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        board = try container.decode(String.self, forKey: .board)
        profile = try container.decode(BuildProfile.self, forKey: .profile)
        compiled = try container.decode([String].self, forKey: .compiled)
        linked = try container.decode(Bool.self, forKey: .linked)
        spawned = try container.decode(Int.self, forKey: .spawned)
        outputs = try container.decode([String: String].self, forKey: .outputs)
        commands = try container.decode([String].self, forKey: .commands)
        warnings = try container.decode(String.self, forKey: .warnings)
        size = try container.decode(SizeReport.self, forKey: .size)
        seconds = try container.decode(Double.self, forKey: .seconds)
    }

    init(board: String, profile: BuildProfile, compiled: [String], linked: Bool, spawned: Int,
         outputs: [String: String], commands: [String], warnings: String, size: SizeReport, seconds: Double)
    {
        self.board = board
        self.profile = profile
        self.compiled = compiled
        self.linked = linked
        self.spawned = spawned
        self.outputs = outputs
        self.commands = commands
        self.warnings = warnings
        self.size = size
        self.seconds = seconds
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(board, forKey: .board)
        try container.encode(profile, forKey: .profile)
        try container.encode(compiled, forKey: .compiled)
        try container.encode(linked, forKey: .linked)
        try container.encode(spawned, forKey: .spawned)
        try container.encode(upToDate, forKey: .upToDate)
        try container.encode(outputs, forKey: .outputs)
        try container.encode(commands, forKey: .commands)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(size, forKey: .size)
        try container.encode((seconds * 1000).rounded() / 1000, forKey: .seconds)
    }
}

/// Builds one project: compiles what changed (by content hash of sources, headers, flags and compiler
/// version), in parallel, links, converts to BIN and HEX, writes compile_commands.json, and checks the size.
public final class Builder: Sendable {
    public let root: String
    public let manifest: ProjectManifest
    public let board: Board
    public let toolchain: Toolchain
    let runner: ProcessRunner

    public init(root: String, manifest: ProjectManifest, board: Board, toolchain: Toolchain? = nil,
                runner: ProcessRunner = ProcessRunner()) throws(BuildError)
    {
        self.root = root
        self.manifest = manifest
        self.board = board
        self.runner = runner
        if let toolchain {
            self.toolchain = toolchain
        } else {
            self.toolchain = try Toolchain.discover(
                prefix: board.chip.compiler.toolchain, needsCXX: manifest.language == .cpp,
                needsSwift: manifest.language == .swift)
        }
    }

    /// The profile's output folder relative to the project root.
    public static func outputFolder(board: String, profile: BuildProfile) -> String {
        ".atelier/build/\(board)/\(profile.rawValue)"
    }

    /// Builds; `watching` names files outside the project that the build also depends on (atelier.yaml's
    /// board catalog), and `context` what else could change the result (PATH, catalog folders): both go into
    /// the stamp that lets the next no-op build skip even the catalog (see `BuildStamp`).
    public func build(_ options: BuildOptions = BuildOptions(), watching: [String] = [], context: String = "")
        throws(BuildError) -> BuildReport
    {
        BuildStamp.remove(root: root, profile: options.profile)
        let started = Date()
        let spawnedBefore = runner.spawned
        let folder = Self.outputFolder(board: board.id, profile: options.profile)
        let lines = CommandLines(manifest: manifest, board: board, profile: options.profile, toolchain: toolchain,
                                 outputFolder: folder)
        try createFolder(absolute(folder + "/obj"))
        let statePath = absolute(folder + "/state")
        var state = BuildState.load(statePath)
        var hasher = FileHasher(entries: state.files)
        var session = StepSession(builder: self, state: state, hasher: hasher)

        let listing = Glob.expandListingFolders(manifest.sources, in: root)
        let sources = listing.files
        let cSources = sources.filter { !$0.hasSuffix(".swift") && !$0.hasSuffix(".h") }
        let swiftSources = sources.filter { $0.hasSuffix(".swift") }
        if cSources.isEmpty && swiftSources.isEmpty { throw .noSources(patterns: manifest.sources) }

        var steps: [CompileStep] = []
        for source in cSources {
            let command = lines.compile(source)
            steps.append(CompileStep(name: source, output: lines.objectPath(for: source), tool: command.tool,
                                     arguments: command.arguments, inputs: [source],
                                     depfile: lines.objectPath(for: source) + ".d"))
        }
        if !swiftSources.isEmpty {
            let header = manifest.includePaths.lazy.map { "\($0)/atelier.h" }.first { self.exists($0) }
            let command = lines.compileSwift(swiftSources, bridgingHeader: header)
            let headers = Glob.expand(manifest.includePaths.map { "\($0)/*.h" }, in: root)
            steps.append(CompileStep(name: "swift", output: lines.swiftObject, tool: command.tool,
                                     arguments: command.arguments, inputs: swiftSources + headers, depfile: nil))
        }
        let database = steps.filter { $0.depfile != nil }
        let databaseKey = FileHasher.hash(database.map { ([$0.tool] + $0.arguments).joined(separator: " ") }
            .joined(separator: "\n") + root)
        if session.state.compileCommandsKey != databaseKey || !exists("compile_commands.json") {
            try writeCompileCommands(database)
            session.state.compileCommandsKey = databaseKey
        }

        // The whole-module Swift compile is the longest step by far: start it first, so the C files fill the
        // other jobs around it instead of waiting in front of it.
        let dirty = try session.dirtySteps(steps).sorted { $0.name == "swift" && $1.name != "swift" }
        let results = try run(dirty, jobs: options.jobs)
        var warnings = ""
        for (step, result) in zip(dirty, results) {
            if !result.succeeded { throw .compileFailed(file: step.name, output: result.output) }
            warnings += result.output
            try session.record(step)
        }

        let link = lines.link(steps.map(\.output))
        let linkKey = session.linkKey(steps: steps, command: [link.tool] + link.arguments,
                                      script: manifest.linkerScript)
        var commands = dirty.map { shellLine($0.tool, $0.arguments) }
        var linked = false
        if state.steps["link"]?.key != linkKey || !exists(lines.elf) {
            session.state.steps["link"] = nil
            try session.save(statePath)  // a failed link must not leave a stale key behind
            commands.append(shellLine(link.tool, link.arguments))
            let result = try runner.run(link.tool, link.arguments, in: root)
            if !result.succeeded {
                throw measuredOverflow(LinkDiagnostics.error(from: result.output, board: board), link: link,
                                       elf: lines.elf)
            }
            warnings += result.output
            for format in [("binary", "bin"), ("ihex", "hex")] {
                let copy = lines.objcopy(format: format.0, output: "\(folder)/firmware.\(format.1)")
                commands.append(shellLine(copy.tool, copy.arguments))
                let converted = try runner.run(copy.tool, copy.arguments, in: root)
                if !converted.succeeded { throw .toolFailed(tool: copy.tool, output: converted.output) }
            }
            if let uf2 = uf2Path(folder) { try writeUF2(elf: lines.elf, to: uf2) }
            session.state.steps["link"] = BuildState.Step(key: linkKey, dependencies: [])
            linked = true
        }
        hasher = session.hasher
        state = session.state
        state.files = hasher.entries
        try state.save(statePath)

        let size = SizeReport(elf: try ELFFile(path: absolute(lines.elf)), board: board)
        if let region = size.overflowing {
            throw .regionOverflow(region: region.name, bytesOver: region.overflow, capacity: region.capacity)
        }
        let report = BuildReport(
            board: board.id, profile: options.profile, compiled: dirty.map(\.name), linked: linked,
            spawned: runner.spawned - spawnedBefore, outputs: outputs(folder, lines),
            commands: commands, warnings: warnings, size: size, seconds: Date().timeIntervalSince(started))
        var inputs = Set(watching + listing.folders.map(absolute))
        inputs.formUnion((sources + ["atelier.yaml"]).map(absolute))
        inputs.formUnion(state.steps.values.flatMap(\.dependencies).map(absolute))
        if let script = manifest.linkerScript { inputs.insert(absolute(script)) }
        inputs.formUnion([toolchain.cc, toolchain.objcopy] + [toolchain.cxx, toolchain.swiftc].compactMap { $0 })
        let written = Array(report.outputs.values) + [folder + "/state", "compile_commands.json"]
        let outputs = Set(written.map(absolute))
        BuildStamp.write(inputs: inputs, outputs: outputs, context: context, report: report, root: root,
                         profile: options.profile)
        return report
    }

    private func outputs(_ folder: String, _ lines: CommandLines) -> [String: String] {
        var outputs = ["elf": lines.elf, "bin": "\(folder)/firmware.bin", "hex": "\(folder)/firmware.hex",
                       "map": lines.map]
        outputs["uf2"] = uf2Path(folder)
        return outputs
    }

    /// `firmware.uf2` for chips whose bootloader takes UF2 (the catalog gives a family id), else nil.
    private func uf2Path(_ folder: String) -> String? {
        board.chip.uf2FamilyID == nil ? nil : "\(folder)/firmware.uf2"
    }

    /// The UF2 holds the flash contents only: RAM-resident sections have no business in a drag-and-drop file.
    private func writeUF2(elf: String, to output: String) throws(BuildError) {
        do {
            let image = try FirmwareImage.load(absolute(elf))
            let flash = board.memory.filter { $0.kind == .flash }
            let segments = image.segments.filter { segment in flash.contains { $0.contains(segment.address) } }
            let options = WriteOptions(uf2: UF2.Options(familyID: board.chip.uf2FamilyID,
                                                        pageFill: board.chip.flash?.erased))
            try FirmwareImage(segments: segments, entry: image.entry)
                .write(to: absolute(output), format: .uf2, options: options, replacing: true)
        } catch {
            throw .imageConversion(path: output, reason: error.description)
        }
    }

    /// When ld named a full region without the excess, links again with `--noinhibit-exec` so that the ELF
    /// exists, and measures the excess from it.
    private func measuredOverflow(_ error: BuildError, link: (tool: String, arguments: [String]), elf: String)
        -> BuildError
    {
        guard case .regionOverflow(let region, 0, let capacity) = error else { return error }
        let probe = elf + ".overflow"
        var arguments = link.arguments.map { $0 == elf ? probe : $0 }
        arguments.append("-Wl,--noinhibit-exec")
        _ = try? runner.run(link.tool, arguments, in: root)
        defer { try? FileManager.default.removeItem(atPath: absolute(probe)) }
        guard let image = try? ELFFile(path: absolute(probe)),
            let measured = SizeReport(elf: image, board: board).regions.first(where: { $0.name == region }),
            measured.overflow > 0
        else { return error }
        return .regionOverflow(region: region, bytesOver: measured.overflow, capacity: capacity)
    }

    /// Runs the steps on `jobs` threads; results come back in the steps' order.
    private func run(_ steps: [CompileStep], jobs: Int) throws(BuildError) -> [ProcessResult] {
        if steps.isEmpty { return [] }
        for step in steps { try createFolder(absolute((step.output as NSString).deletingLastPathComponent)) }
        let next = Mutex(0)
        let results = Mutex([Int: Result<ProcessResult, BuildError>]())
        let group = DispatchGroup()
        for _ in 0..<min(jobs, steps.count) {
            group.enter()
            Thread.detachNewThread { [self] in
                while true {
                    let index = next.withLock { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    if index >= steps.count { break }
                    let step = steps[index]
                    let result: Result<ProcessResult, BuildError>
                    do throws(BuildError) {
                        result = .success(try runner.run(step.tool, step.arguments, in: root))
                    } catch {
                        result = .failure(error)
                    }
                    results.withLock { $0[index] = result }
                }
                group.leave()
            }
        }
        group.wait()
        let collected = results.withLock { $0 }
        var ordered: [ProcessResult] = []
        for index in steps.indices {
            switch collected[index] {
            case .success(let result): ordered.append(result)
            case .failure(let error): throw error
            case nil: throw .spawnFailed(tool: steps[index].tool, reason: "the job did not run")
            }
        }
        return ordered
    }

    /// compile_commands.json for clangd and editors; rewritten only when it changes.
    private func writeCompileCommands(_ steps: [CompileStep]) throws(BuildError) {
        let entries = steps.map { step -> [String: Any] in
            ["directory": root, "file": step.inputs[0], "output": step.output,
             "arguments": [step.tool] + step.arguments]
        }
        let path = absolute("compile_commands.json")
        do {
            let data = try JSONSerialization.data(
                withJSONObject: entries, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            if FileManager.default.contents(atPath: path) != data {
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        } catch {
            throw .io(path: path, reason: error.localizedDescription)
        }
    }

    func absolute(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }
    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: absolute(relative)) }

    private func createFolder(_ path: String) throws(BuildError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .io(path: path, reason: error.localizedDescription)
        }
    }

    func shellLine(_ tool: String, _ arguments: [String]) -> String {
        ([tool] + arguments).map { $0.contains(" ") || $0.contains("\"") ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}
