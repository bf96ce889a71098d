import FuzzSupport
import Rig

/// `rig.yaml`: it parses into uniquely named slots that selection finds again, or gives `RigError` pointing
/// into the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(data, size)
    let file = "rig.yaml"
    do {
        let spec = try RigSpec.parse(text, path: file)
        let names = spec.slots.map(\.name)
        Fuzz.require(!names.isEmpty, "a rig with no slots")
        Fuzz.require(Set(names).count == names.count, "duplicate slot names \(names)")
        for slot in spec.slots {
            Fuzz.require(!slot.name.isEmpty && !slot.board.isEmpty, "a slot without a name or board: \(slot)")
            let picked = try? spec.select(names: [slot.name], tag: nil)
            Fuzz.require(picked?.map(\.name) == [slot.name], "selecting \(slot.name) gave \(String(describing: picked))")
        }
    } catch {
        switch error {
        case .invalid(let location, _):
            Fuzz.requireLocated(error.description, file: location.file, line: location.line, expectedFile: file,
                                text: text)
        case .duplicateSlot(_, _, let second):
            Fuzz.requireLocated(error.description, file: second.file, line: second.line, expectedFile: file,
                                text: text)
        default:
            Fuzz.require(false, "parsing a rig file gave \(error)")
        }
    }
    return 0
}
