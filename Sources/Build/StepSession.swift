import BoardCatalog
import Foundation

typealias BoardCatalogBoard = Board

/// One compile: a source (or all Swift sources) into one object.
struct CompileStep {
    var name: String
    var output: String
    var tool: String
    var arguments: [String]
    /// The files named on the command line; headers come from the depfile.
    var inputs: [String]
    /// Where the compiler writes its `-MMD` dependency list, if it does.
    var depfile: String?
}

/// Decides which steps are out of date and records the ones that ran, against the stored build state.
struct StepSession {
    let builder: Builder
    var state: BuildState
    var hasher: FileHasher

    init(builder: Builder, state: BuildState, hasher: FileHasher) {
        self.builder = builder
        self.state = state
        self.hasher = hasher
    }

    /// The steps whose key changed or whose output is missing.
    mutating func dirtySteps(_ steps: [CompileStep]) throws(BuildError) -> [CompileStep] {
        var dirty: [CompileStep] = []
        for step in steps {
            guard let stored = state.steps[step.output], builder.exists(step.output) else {
                dirty.append(step)
                continue
            }
            if try key(for: step, dependencies: stored.dependencies) != stored.key { dirty.append(step) }
        }
        return dirty
    }

    /// Stores the key of a step that just ran, with the headers its depfile lists.
    mutating func record(_ step: CompileStep) throws(BuildError) {
        let dependencies = step.depfile.map { Depfile.parse(builder.absolute($0)) } ?? []
        let headers = dependencies.filter { !step.inputs.contains($0) }
        state.steps[step.output] = BuildState.Step(key: try key(for: step, dependencies: headers),
                                                   dependencies: headers)
    }

    /// The hash of the command line, the compiler's version, and the content of every input and header.
    mutating func key(for step: CompileStep, dependencies: [String]) throws(BuildError) -> String {
        var text = ([step.tool] + step.arguments).joined(separator: "\u{0}")
        text += "\u{1}" + (try compilerVersion(step.tool))
        for file in step.inputs + dependencies {
            // A header that disappeared hashes as "missing", which differs from any content: rebuild.
            text += "\u{1}\(file)=" + (hasher.hash(builder.absolute(file)) ?? "missing")
        }
        return FileHasher.hash(text)
    }

    /// The link depends on every object's key (which covers its content) and the linker script.
    mutating func linkKey(steps: [CompileStep], command: [String], script: String?) -> String {
        var text = command.joined(separator: "\u{0}")
        for step in steps { text += "\u{1}" + (state.steps[step.output]?.key ?? "") }
        if let script { text += "\u{1}" + (hasher.hash(builder.absolute(script)) ?? "missing") }
        text += "\u{1}" + ((try? compilerVersion(command[0])) ?? "")
        return FileHasher.hash(text)
    }

    func save(_ path: String) throws(BuildError) {
        var copy = state
        copy.files = hasher.entries
        try copy.save(path)
    }

    /// `tool --version`, asked once per installed binary: the answer is kept with the binary's size and time.
    mutating func compilerVersion(_ tool: String) throws(BuildError) -> String {
        var info = stat()
        guard stat(tool, &info) == 0 else {
            throw .spawnFailed(tool: tool, reason: "the file does not exist")
        }
        let size = UInt64(info.st_size)
        let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        if let known = state.compilers[tool], known.size == size, known.mtime == mtime { return known.version }
        let result = try builder.runner.run(tool, ["--version"])
        let version = result.output.split(separator: "\n").first.map(String.init) ?? ""
        state.compilers[tool] = BuildState.CompilerVersion(size: size, mtime: mtime, version: version)
        return version
    }
}

/// Reads the Makefile rule a compiler writes with `-MMD`: `obj.o: src/a.c src/a.h \`.
enum Depfile {
    static func parse(_ path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\\\n", with: " ")
        guard let colon = text.range(of: ": ") ?? text.range(of: ":\n") else { return [] }
        let rest = text[colon.upperBound...]
        // Only the first rule: -MP phony targets after it would repeat the headers.
        let firstRule = rest.split(separator: "\n", maxSplits: 1).first ?? ""
        return firstRule.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init).filter { !$0.isEmpty }
    }
}

/// Turns the linker's complaint about a full region into the region's name and the bytes over.
enum LinkDiagnostics {
    static func error(from output: String, board: BoardCatalogBoard) -> BuildError {
        // GNU ld: "region `flash' overflowed by 1234 bytes"
        let pattern = #"region [`'"]?([A-Za-z0-9_.]+)['"]? overflowed by ([0-9]+) bytes"#
        if let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: output, range: NSRange(output.startIndex..., in: output)),
            let nameRange = Range(match.range(at: 1), in: output),
            let bytesRange = Range(match.range(at: 2), in: output)
        {
            let ldName = String(output[nameRange])
            let region = regionName(ldName, board: board)
            let capacity = board.memory.first { $0.name == region }?.size ?? 0
            return .regionOverflow(region: region, bytesOver: UInt64(output[bytesRange]) ?? 0, capacity: capacity)
        }
        // avr-ld says only "section `.text' will not fit in region `text'"; the caller measures the excess.
        let noFit = #"will not fit in region [`'"]?([A-Za-z0-9_.]+)"#
        if let regex = try? NSRegularExpression(pattern: noFit),
            let match = regex.firstMatch(in: output, range: NSRange(output.startIndex..., in: output)),
            let nameRange = Range(match.range(at: 1), in: output)
        {
            let region = regionName(String(output[nameRange]), board: board)
            let capacity = board.memory.first { $0.name == region }?.size ?? 0
            return .regionOverflow(region: region, bytesOver: 0, capacity: capacity)
        }
        return .linkFailed(output: output)
    }

    /// Our scripts use the catalog's names; avr-libc's scripts say `text` and `data`.
    static func regionName(_ ldName: String, board: BoardCatalogBoard) -> String {
        if board.memory.contains(where: { $0.name == ldName }) { return ldName }
        switch ldName {
        case "text", "FLASH", "rom": return board.chip.flash?.name ?? ldName
        case "data", "RAM", "ram": return board.chip.ram?.name ?? ldName
        case "eeprom": return board.memory.first { $0.kind == .eeprom }?.name ?? ldName
        default: return ldName
        }
    }
}
