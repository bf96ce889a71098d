import BoardCatalog

/// The source language of a generated project.
public enum Language: String, Sendable, CaseIterable, Codable {
    case c, cpp, swift

    /// The extension of the template's main source file.
    public var sourceExtension: String {
        switch self {
        case .c: "c"
        case .cpp: "cpp"
        case .swift: "swift"
        }
    }

    /// The languages atelier can build for a board: C everywhere, C++ where the GNU toolchain ships a C++
    /// runtime we set up (ARM), Embedded Swift where the chip names a Swift target.
    public static func supported(by board: Board) -> [Language] {
        switch board.core.architecture {
        case .arm: board.chip.compiler.swiftTarget == nil ? [.c, .cpp] : [.c, .cpp, .swift]
        case .avr, .riscv: [.c]
        }
    }
}
