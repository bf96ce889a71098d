@testable import BoardCatalog
import Foundation
import FuzzSupport

/// The real chips of `Boards/chips`, decoded once: a board file names one of them.
let chips: [String: Chip] = {
    do {
        let files = try CatalogFile.list(in: Fuzz.boardsFolder).filter { $0.kind == .chip }
        return try BoardCatalog.load(files: files).chips
    } catch {
        fatalError("the chips under \(Fuzz.boardsFolder) do not load: \(error)")
    }
}()

/// A board file over the real chips: it decodes into a board whose chip and memory come from the catalog, or
/// gives a `BoardCatalogError` that points into it. (`extends:` across files is the chip target's and the unit
/// tests' business; here every input is one whole board.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(data, size)
    let file = "fuzz-board.yaml"
    do {
        let board = try Board(decoding: try YAMLNode.parse(text, file: file), chips: chips)
        Fuzz.require(chips[board.chip.id] == board.chip, "board \(board.id) holds a chip the catalog does not")
        let catalog = BoardCatalog(boards: [board], chips: Array(chips.values))
        Fuzz.require((try? catalog.board(board.id)) != nil, "board \(board.id) cannot be looked up")
        _ = catalog.markdownTable
        for region in board.memory { _ = region.sectorList }
    } catch {
        checkLocated(error, file: file, text: text)
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
