import ArgumentParser
import BoardCatalog
import Foundation
import Programmers

extension Atelier {
    struct Read: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read target memory through the debug probe: a hex dump, or raw bytes to a file.",
            discussion: """
                Examples:
                  atelier read 0x08000000 256
                  atelier read 0x08000000 64K -o flash.bin
                """
        )

        @OptionGroup var probe: ProbeOptions
        @OptionGroup var connect: ConnectOptions
        @Argument(help: "Start address, e.g. 0x08000000.") var address: Address
        @Argument(help: "Byte count: decimal, hex, or with K/M.") var length: String
        @Option(name: .shortAndLong, help: ArgumentHelp("Write the raw bytes to this file.", valueName: "file"))
        var output: String?

        func validate() throws {
            guard let count = ByteSize.parse(length), count > 0 else {
                throw ValidationError("'\(length)' is not a byte count; write it as 256, 0x100 or 64K")
            }
            guard address.value + count <= 1 << 32 else {
                throw ValidationError("\(hex(address.value)) + \(count) bytes runs past the 32-bit address space")
            }
        }

        func run() throws {
            let count = Int(ByteSize.parse(length) ?? 0)
            let chosen = try probe.choose(kinds: ProgrammerRegistry.debugKinds)
            let session = try ProgrammerRegistry.openDebug(chosen, underReset: connect.underReset)
            let bytes = try session.debug.readMemory(UInt32(address.value), count: count)
            if let output {
                do {
                    try Data(bytes).write(to: URL(fileURLWithPath: output))
                } catch {
                    throw CommandFailure(message: "cannot write \(output): \(error.localizedDescription)",
                                         hint: "check the folder exists and is writable", exitCode: .environment)
                }
                FileHandle.standardError.write(Data("read \(count) bytes at \(hex(address.value)) to \(output)\n".utf8))
            } else {
                print(Self.dump(bytes, at: address.value), terminator: "")
            }
        }

        /// `08000000  00 50 00 20 09 01 00 08  ...  |.P. ....|`, 16 bytes a line.
        static func dump(_ bytes: [UInt8], at base: UInt64) -> String {
            var text = ""
            for start in stride(from: 0, to: bytes.count, by: 16) {
                let line = bytes[start..<min(start + 16, bytes.count)]
                let hexes = line.enumerated().map { (index, byte) in
                    (index == 8 ? " " : "") + String(format: "%02x", byte)
                }.joined(separator: " ")
                let ascii = String(line.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." })
                let padded = hexes.padding(toLength: 49, withPad: " ", startingAt: 0)
                text += String(format: "%08llx  ", base + UInt64(start)) + padded + " |\(ascii)|\n"
            }
            return text
        }
    }
}
