import Foundation

extension FirmwareImage {
    /// Reads an image file in any supported format, detected by `ImageFormat.detect` unless `options.format`
    /// says. A `.bin` needs `options.base`.
    public static func read(path: String, options: ReadOptions = .init()) throws(FirmwareImageError) -> ImageFile {
        try read(from: FileByteSource(path: path), options: options)
    }

    /// Reads from any byte source: a file, or bytes in memory (tests, fuzzers).
    public static func read(
        from source: any ByteSource, options: ReadOptions = .init()
    ) throws(FirmwareImageError) -> ImageFile {
        let prefix = try source.read(at: 0, upTo: 64)
        guard let format = options.format ?? ImageFormat.detect(path: source.name, prefix: prefix) else {
            throw .unknownFormat(path: source.name)
        }
        switch format {
        case .elf:
            let image = try ELFReader.read(source)
            return ImageFile(image: image, format: format, elf: try ELFReader.identity(source))
        case .hex:
            return ImageFile(image: try IntelHex.read(source), format: format)
        case .srec:
            return ImageFile(image: try SRecord.read(source), format: format)
        case .bin:
            guard let base = options.base else { throw .needsBaseAddress(path: source.name) }
            return ImageFile(image: try BinaryImage.read(source, base: base), format: format)
        case .uf2:
            let contents = try UF2.read(source, family: options.uf2Family)
            return ImageFile(image: contents.image, format: format, uf2FamilyID: contents.familyID)
        }
    }

    /// The image alone, for callers that do not care what the file said about itself (the flash core).
    public static func load(_ path: String, base: UInt64? = nil) throws(FirmwareImageError) -> FirmwareImage {
        try read(path: path, options: ReadOptions(base: base)).image
    }

    /// The file contents in `format`, in memory.
    public func encoded(as format: ImageFormat, options: WriteOptions = .init()) throws(FirmwareImageError) -> [UInt8] {
        let output = ByteWriter()
        try encode(as: format, options: options, to: output)
        return output.memory
    }

    /// Writes the image to `path`, streaming, through a temporary file that is renamed into place only when
    /// complete, so a failed write never leaves a half-written image where a good one was. `format` defaults to
    /// the one `path`'s extension names. An existing `path` is replaced only when `replacing` is true.
    public func write(
        to path: String, format: ImageFormat? = nil, options: WriteOptions = .init(), replacing: Bool = false
    ) throws(FirmwareImageError) {
        guard let format = format ?? ImageFormat.fromExtension(path) else { throw .unknownFormat(path: path) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw .unwritable(path: path, reason: "it is a directory") }
            guard replacing else { throw .outputExists(path: path) }
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).atelier-\(ProcessInfo.processInfo.processIdentifier)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw .unwritable(path: path, reason: "cannot create a file in \(url.deletingLastPathComponent().path)")
        }
        do throws(FirmwareImageError) {
            let handle: FileHandle
            do {
                handle = try FileHandle(forWritingTo: temporary)
            } catch {
                throw FirmwareImageError.unwritable(path: path, reason: error.localizedDescription)
            }
            let output = ByteWriter(handle: handle, path: path)
            try encode(as: format, options: options, to: output)
            try output.flush()
            try? handle.close()
            guard rename(temporary.path, path) == 0 else {
                throw FirmwareImageError.unwritable(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    private func encode(
        as format: ImageFormat, options: WriteOptions, to output: ByteWriter
    ) throws(FirmwareImageError) {
        switch format {
        case .elf: try ELFWriter.write(self, options: options.elf, to: output)
        case .hex: try IntelHex.write(self, to: output)
        case .srec: try SRecord.write(self, header: options.srecHeader, to: output)
        case .bin: try BinaryImage.write(self, options: options.bin, to: output)
        case .uf2: try UF2.write(self, options: options.uf2, to: output)
        }
    }
}
