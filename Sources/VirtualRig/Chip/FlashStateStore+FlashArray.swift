/// The rig's `--state DIR` store for an emulated chip's flash: same file names and raw image format as the
/// bootloader models use, so a board keeps its flash whichever device model served it last.
extension FlashStateStore {
    public func load(into flash: FlashArray, path: String) throws {
        try flash.load(path: path)
    }

    public func save(_ flash: FlashArray, path: String) throws {
        try flash.save(path: path)
    }
}
