import Foundation

/// Keeps each virtual chip's flash in `--state DIR` between runs: one raw image per device, named after its
/// kind, board and serial, so a second `atelier-rig exec` sees what the first one wrote.
public struct FlashStateStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The file for one device, e.g. `dfuse-stm32f4-discovery-315A28A0B956.flash`.
    public func path(kind: String, board: String, serial: String) -> String {
        let name = [kind, board, serial].map(Self.sanitize).joined(separator: "-") + ".flash"
        return (directory as NSString).appendingPathComponent(name)
    }

    /// Loads the saved image into `flash`; a missing file leaves it erased. A file of the wrong size (the chip
    /// file changed) is an error rather than silently discarded.
    public func load(into flash: VirtualFlash, path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VirtualRigError.state(path: path, reason: "the file cannot be read")
        }
        guard data.count == flash.bytes.count else {
            throw VirtualRigError.state(
                path: path,
                reason: "it holds \(data.count) bytes but the flash has \(flash.bytes.count); "
                    + "delete it to start erased")
        }
        flash.restore([UInt8](data))
    }

    /// Writes the image atomically when it changed since the last load or save.
    public func save(_ flash: VirtualFlash, path: String) throws {
        guard flash.isDirty else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(flash.bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw VirtualRigError.state(path: path, reason: error.localizedDescription)
        }
        flash.isDirty = false
    }

    private static func sanitize(_ text: String) -> String {
        String(text.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "_" })
    }
}
