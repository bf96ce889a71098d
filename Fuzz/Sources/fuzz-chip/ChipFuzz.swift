@testable import BoardCatalog
import FuzzSupport

/// A chip file on its own: it loads into a chip whose memory regions are valid, or gives a `BoardCatalogError`
/// that points into it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(data, size)
    let file = CatalogFile(path: "chips/fuzz-chip.yaml", kind: .chip, text: text)
    do {
        let catalog = try BoardCatalog.load(files: [file])
        for chip in catalog.chips.values {
            Fuzz.require(!chip.memory.isEmpty, "chip \(chip.id) loaded with no memory")
            for region in chip.memory {
                Fuzz.require(region.size > 0, "region \(region.name) of \(chip.id) has size 0")
                _ = region.sectorList
            }
        }
    } catch {
        checkLocated(error, file: file.path, text: text)
    }
    return 0
}

/// Errors about the fuzzed file point into it; the only other errors allowed are about references it makes.
func checkLocated(_ error: BoardCatalogError, file: String, text: String) {
    switch error {
    case .syntax(let name, let line, _):
        Fuzz.requireLocated(error.description, file: name, line: line, expectedFile: file, text: text)
    case .invalid(let location, _), .unknownKey(let location, _, _), .extendsCycle(let location, _),
         .duplicateID(let location, _, _), .unknownReference(let location, _, _, _):
        if location.file == file {
            Fuzz.requireLocated(error.description, file: location.file, line: location.line, expectedFile: file,
                                text: text)
        }
    case .unknownBoard, .unreadable:
        Fuzz.require(false, "loading files in memory gave \(error)")
    }
}
