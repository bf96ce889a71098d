/// What every fuzz target shares: the input as bytes or text, and invariant checks that crash loudly so that
/// libFuzzer keeps the input as a finding (it records crashes, not return values).
public enum Fuzz {
    /// The bytes libFuzzer hands a target, copied so that parsers own them.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The input as text; invalid UTF-8 is repaired the way the file readers repair it.
    public static func text(_ data: UnsafePointer<UInt8>?, _ size: Int) -> String {
        String(decoding: bytes(data, size), as: UTF8.self)
    }

    /// Stops the run with `message` when an invariant is broken; libFuzzer saves the input as `crash-…`.
    public static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        if !condition() { fatalError("invariant broken: \(message())", file: file, line: line) }
    }

    /// Every error a user sees is one line that names the file it is about.
    public static func requireReadable(_ error: some Error & CustomStringConvertible, naming file: String) {
        let text = error.description
        require(!text.isEmpty, "an error with an empty message: \(error)")
        require(text.contains(file), "the message does not name \(file): \(text)")
    }

    /// The number of lines in `text`, for checking that an error's line number points into the file. YAML ends a
    /// line at CR, LF, CR LF, NEL, LS or PS; `isNewline` counts those (a CR LF is one `Character`) and, harmlessly
    /// for an upper bound, VT and FF too.
    public static func lineCount(_ text: String) -> Int {
        text.reduce(1) { $1.isNewline ? $0 + 1 : $0 }
    }
}

extension Fuzz {
    /// An error about a text file must name that file and a line inside it (or 1 for an empty file).
    public static func requireLocated(
        _ message: String, file: String, line: Int?, expectedFile: String, text: String
    ) {
        require(!message.isEmpty, "an empty error message")
        require(file == expectedFile, "the error names \(file), not \(expectedFile): \(message)")
        if let line {
            require(line >= 1 && line <= lineCount(text) + 1, "line \(line) is outside the file's "
                + "\(lineCount(text)) lines: \(message)")
        }
    }
}
