import Foundation

extension Fuzz {
    /// The repository's `Boards/` folder: fuzzers run from the checkout that built them.
    public static let boardsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Boards").path
}
