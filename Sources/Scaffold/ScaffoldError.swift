/// Everything that can stop `atelier new` from writing a project.
public enum ScaffoldError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The target folder already holds files and `--force` was not given.
    case directoryNotEmpty(path: String)
    /// A template would write outside the project folder (`..`, an absolute path, or through a symlink).
    case pathEscapes(template: String, path: String)
    /// The board has no memory region of the kind the linker script needs.
    case missingMemory(board: String, kind: String, file: String)
    /// The language cannot target this board (Embedded Swift on AVR, C++ where no g++ is set up, ...).
    case unsupportedLanguage(board: String, language: String, supported: [String])
    /// No template with this name for this language.
    case unknownTemplate(name: String, language: String, available: [String])
    /// A template file is not valid Mustache.
    case templateSyntax(file: String, message: String)
    /// The templates folder or a file in it could not be read, or the project could not be written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .directoryNotEmpty(let path):
            "\(path) is not empty; choose an empty folder or pass --force to write over the files there"
        case .pathEscapes(let template, let path):
            "template file \(template) would write to '\(path)', outside the project folder; "
                + "template paths must be relative, without '..' and without symlinks"
        case .missingMemory(let board, let kind, let file):
            "board '\(board)' has no \(kind) region in its chip's memory map (\(file)); add one under 'memory:'"
        case .unsupportedLanguage(let board, let language, let supported):
            "board '\(board)' cannot be programmed in \(language) with atelier; use one of: "
                + supported.joined(separator: ", ")
        case .unknownTemplate(let name, let language, let available):
            "no template '\(name)' for \(language); available: \(available.joined(separator: ", "))"
        case .templateSyntax(let file, let message):
            "\(file): invalid Mustache template: \(message)"
        case .io(let path, let reason):
            "cannot write or read \(path): \(reason)"
        }
    }
}
