import BoardCatalog
import Foundation

/// A chip's flash contents in memory the emulated core executes from directly.
///
/// The buffer is allocated once, rounded up to Unicorn's 4 KiB page size, and never moves, because the core maps
/// it with `uc_mem_map_ptr`. Programming and erasing go through a flash controller model; this type only
/// knows the bytes, the region's bounds and whether they changed since the last save. The state file is the raw
/// image of the region (same format as the rig's other `--state` files), so `st-flash read` and `dfu-util -U`
/// see the same bytes. It takes no lock of its own: change it before a `ChipRunner` starts or while no other
/// thread is running the chip.
public final class FlashArray {
    public let region: MemoryRegion
    /// Bytes of the mapping: the region size rounded up to a whole page.
    public let mappedSize: Int
    let storage: UnsafeMutableRawPointer
    /// Set by every change, cleared by `save` and `load`.
    public private(set) var isDirty = false
    /// Called with the changed address range, so the core can drop translated code there.
    var onChange: ((Range<UInt32>) -> Void)?

    public init(region: MemoryRegion, pageSize: Int = 4096) {
        self.region = region
        let size = Int(region.size)
        mappedSize = (size + pageSize - 1) / pageSize * pageSize
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(mappedSize, pageSize), alignment: pageSize)
        storage.initializeMemory(as: UInt8.self, repeating: region.erased, count: max(mappedSize, pageSize))
    }

    deinit { storage.deallocate() }

    public var start: UInt32 { UInt32(truncatingIfNeeded: region.start) }
    public var size: Int { Int(region.size) }

    public func contains(_ address: UInt32) -> Bool { region.contains(UInt64(address)) }

    /// All bytes of the region.
    public var bytes: [UInt8] { read(start, count: size) }

    /// `count` bytes from `address`, clipped to the region.
    public func read(_ address: UInt32, count: Int) -> [UInt8] {
        guard contains(address), count > 0 else { return [] }
        let offset = Int(address - start)
        let length = min(count, size - offset)
        return Array(UnsafeRawBufferPointer(start: storage + offset, count: length))
    }

    /// Little-endian value of `width` bytes (1, 2 or 4) at `address`.
    func value(at address: UInt32, width: Int) -> UInt32 {
        let bytes = read(address, count: width)
        return bytes.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }

    /// Stores bytes as given (the controller model has already decided what the cells hold).
    func store(_ address: UInt32, _ data: [UInt8]) {
        guard contains(address), !data.isEmpty else { return }
        let offset = Int(address - start)
        let length = min(data.count, size - offset)
        data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            (storage + offset).copyMemory(from: base, byteCount: length)
        }
        isDirty = true
        onChange?(address..<(address + UInt32(length)))
    }

    /// Sets `count` bytes from `address` to the erased value.
    func erase(_ address: UInt32, count: Int) {
        store(address, [UInt8](repeating: region.erased, count: count))
    }

    /// Replaces the whole contents, e.g. from a firmware image in a test.
    public func replace(with contents: [UInt8], at offset: Int = 0) {
        guard offset >= 0, offset < size else { return }
        store(start + UInt32(offset), Array(contents.prefix(size - offset)))
    }

    /// Loads a state file; a missing file leaves the flash erased, one of the wrong size is an error.
    public func load(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VirtualRigError.state(path: path, reason: "the file cannot be read")
        }
        guard data.count == size else {
            throw VirtualRigError.state(
                path: path, reason: "it holds \(data.count) bytes but the flash has \(size); delete it to start erased")
        }
        store(start, [UInt8](data))
        isDirty = false
    }

    /// Writes the raw image atomically when it changed since the last load or save.
    public func save(path: String) throws {
        guard isDirty || !FileManager.default.fileExists(atPath: path) else { return }
        do {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw VirtualRigError.state(path: path, reason: error.localizedDescription)
        }
        isDirty = false
    }
}
