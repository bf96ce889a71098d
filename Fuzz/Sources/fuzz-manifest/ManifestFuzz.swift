import Build
import FuzzSupport

/// `atelier.yaml`: it parses into a manifest that names a board and at least one source glob, or gives
/// `BuildError.invalidManifest` pointing into the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(data, size)
    let file = "atelier.yaml"
    do {
        let manifest = try ProjectManifest.parse(text, file: file)
        Fuzz.require(!manifest.board.isEmpty, "a manifest with an empty board")
        Fuzz.require(!manifest.sources.isEmpty, "a manifest with no sources")
    } catch {
        guard case .invalidManifest(let name, let line, _) = error else {
            Fuzz.require(false, "parsing a manifest gave \(error)")
            return 0
        }
        Fuzz.requireLocated(error.description, file: name, line: line, expectedFile: file, text: text)
    }
    return 0
}
