import BoardCatalog
import Foundation

/// The build profile: `debug` (the default) or `release` (`--release`).
public enum BuildProfile: String, Sendable, Codable {
    case debug, release
}

/// The exact command lines of a project's compile and link steps, as pure functions of the manifest, the
/// board and the profile. Paths are relative to the project root, where the tools run, so diagnostics read
/// `src/main.c:3:5: error: …`.
struct CommandLines {
    var manifest: ProjectManifest
    var board: Board
    var profile: BuildProfile
    var toolchain: Toolchain
    /// The output folder relative to the project root.
    var outputFolder: String

    var architecture: Core.Architecture { board.core.architecture }

    /// Flags shared by C and C++: the chip's, the profile's, sections for --gc-sections, defines and includes.
    var commonFlags: [String] {
        var flags = board.chip.compiler.flags
        flags += profile == .release ? ["-Os", "-g"] : ["-Og", "-g3"]
        flags += ["-ffunction-sections", "-fdata-sections", "-Wall"]
        if architecture == .avr, let clock = board.clockHz { flags.append("-DF_CPU=\(clock)UL") }
        // Debian's RISC-V GCC has no C library of its own; picolibc's specs add its headers and libraries.
        if architecture == .riscv { flags.append("--specs=picolibc.specs") }
        if profile == .release { flags.append("-DNDEBUG") }
        flags += manifest.defines.map { "-D\($0)" }
        flags += manifest.includePaths.map { "-I\($0)" }
        flags += manifest.flags
        return flags
    }

    func objectPath(for source: String) -> String { "\(outputFolder)/obj/\(source).o" }

    func compile(_ source: String) -> (tool: String, arguments: [String]) {
        let isCXX = source.hasSuffix(".cpp") || source.hasSuffix(".cc") || source.hasSuffix(".cxx")
        let object = objectPath(for: source)
        var arguments = commonFlags
        if isCXX {
            arguments = ["-std=gnu++17", "-fno-exceptions", "-fno-rtti", "-fno-threadsafe-statics",
                         "-fno-use-cxa-atexit"] + arguments
        } else {
            arguments = ["-std=gnu11"] + arguments
        }
        arguments += ["-MMD", "-MF", object + ".d", "-c", source, "-o", object]
        return (isCXX ? (toolchain.cxx ?? toolchain.cc) : toolchain.cc, arguments)
    }

    var swiftObject: String { "\(outputFolder)/obj/swift.o" }

    /// One whole-module compile of every Swift file into one object, as Embedded Swift requires.
    func compileSwift(_ sources: [String], bridgingHeader: String?) -> (tool: String, arguments: [String]) {
        let target = board.chip.compiler.swiftTarget ?? "armv6m-none-none-eabi"
        var arguments = ["-target", target, "-enable-experimental-feature", "Embedded", "-wmo", "-parse-as-library",
                         "-module-name", "Firmware", "-Osize",
                         // No libc stack-protector runtime on bare metal, and sections for --gc-sections.
                         "-Xfrontend", "-disable-stack-protector", "-Xfrontend", "-function-sections"]
        if profile == .debug { arguments.append("-g") }
        // The float ABI must match the C objects', or the link fails on VFP-argument attributes.
        for flag in board.chip.compiler.flags where flag.hasPrefix("-mfloat-abi") || flag.hasPrefix("-mfpu") {
            arguments += ["-Xcc", flag]
        }
        arguments += manifest.includePaths.flatMap { ["-Xcc", "-I\($0)"] }
        arguments += manifest.defines.flatMap { ["-Xcc", "-D\($0)"] }
        if let bridgingHeader { arguments += ["-import-objc-header", bridgingHeader] }
        arguments += manifest.flags.filter { !$0.hasPrefix("-m") && !$0.hasPrefix("-O") }
        arguments += ["-c"] + sources + ["-o", swiftObject]
        return (toolchain.swiftc ?? "swiftc", arguments)
    }

    var elf: String { "\(outputFolder)/firmware.elf" }
    var map: String { "\(outputFolder)/firmware.map" }

    /// Links with the C driver even for C++: the templates build without exceptions, RTTI or the C++ heap,
    /// so they need no libstdc++ (which Debian ships separately, as libstdc++-arm-none-eabi-newlib). A
    /// project that wants it adds `-lstdc++_nano` to `link_flags`.
    func link(_ objects: [String]) -> (tool: String, arguments: [String]) {
        var arguments = board.chip.compiler.flags
        switch architecture {
        case .arm:
            arguments += ["-nostartfiles", "--specs=nano.specs", "-Wl,--no-warn-execstack",
                          // Swift objects use 32-bit enums; the C code shares no enums with them.
                          "-Wl,--no-enum-size-warning"]
        case .riscv:
            arguments += ["-nostartfiles", "--specs=picolibc.specs", "-Wl,--no-warn-execstack"]
        case .avr:
            break
        }
        if let script = manifest.linkerScript { arguments += ["-T", script] }
        arguments += ["-Wl,--gc-sections", "-Wl,-Map=\(map)"]
        arguments += manifest.linkFlags
        arguments += objects
        arguments += ["-o", elf]
        return (toolchain.cc, arguments)
    }

    func objcopy(format: String, output: String) -> (tool: String, arguments: [String]) {
        var arguments = ["-O", format]
        if architecture == .avr { arguments += ["-R", ".eeprom", "-R", ".fuse", "-R", ".lock"] }
        return (toolchain.objcopy, arguments + [elf, output])
    }
}
