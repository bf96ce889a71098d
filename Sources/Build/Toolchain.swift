import Foundation

/// The compilers and binutils for one GNU triple prefix, found on this machine.
public struct Toolchain: Hashable, Sendable {
    public var prefix: String
    public var cc: String
    public var cxx: String?
    public var objcopy: String
    /// Only looked up for Swift projects.
    public var swiftc: String?

    /// Where Debian and the swift.org tarballs put tools, searched after PATH.
    static let fallbackFolders = ["/usr/bin", "/usr/local/bin", "/opt/swift/usr/bin", "/usr/share/swift/usr/bin"]

    /// The Debian package that ships `tool`, for the "install …" hint.
    public static func debianPackage(for tool: String, prefix: String) -> String {
        if tool == "swiftc" { return "swiftlang (a Swift 6 toolchain from swift.org; Debian has none)" }
        let binutils = tool.hasSuffix("objcopy") || tool.hasSuffix("size") || tool.hasSuffix("ld")
        switch prefix {
        case "arm-none-eabi": return binutils ? "binutils-arm-none-eabi" : "gcc-arm-none-eabi"
        case "avr": return binutils ? "binutils-avr" : "gcc-avr"
        case "riscv64-unknown-elf": return binutils ? "binutils-riscv64-unknown-elf" : "gcc-riscv64-unknown-elf"
        default: return binutils ? "binutils-\(prefix)" : "gcc-\(prefix)"
        }
    }

    /// Finds the tools for `prefix`; C++ and Swift only when the project needs them.
    public static func discover(
        prefix: String, needsCXX: Bool, needsSwift: Bool,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(BuildError) -> Toolchain {
        let folders = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + fallbackFolders
        func find(_ tool: String) throws(BuildError) -> String {
            if let path = locate(tool, in: folders) { return path }
            throw .toolMissing(tool: tool, package: debianPackage(for: tool, prefix: prefix))
        }
        return Toolchain(
            prefix: prefix, cc: try find("\(prefix)-gcc"), cxx: needsCXX ? try find("\(prefix)-g++") : nil,
            objcopy: try find("\(prefix)-objcopy"), swiftc: needsSwift ? try find("swiftc") : nil)
    }

    static func locate(_ tool: String, in folders: [String]) -> String? {
        for folder in folders where !folder.isEmpty {
            let path = (folder as NSString).appendingPathComponent(tool)
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
