import Foundation
import FuzzSupport
import Provisioning

/// `batch.yaml` and the CSV it names: the input is the YAML, then a NUL byte, then the CSV. It parses into a batch
/// whose first unit gets an identity block that decodes to the same values, or gives a `ProvisioningError`
/// pointing into the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
    let text = String(decoding: parts[0], as: UTF8.self)
    let csv = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : ""
    let file = "/batch/batch.yaml"
    let batch: Batch
    do {
        batch = try Batch.parse(text, file: file, defaultName: "batch") { _ throws(ProvisioningError) in csv }
    } catch {
        switch error {
        case .invalidBatch(let location, _), .unknownKey(let location, _, _), .missingKey(let location, _):
            // Errors about the CSV name the CSV.
            guard location.file == file else { break }
            Fuzz.requireLocated(error.description, file: location.file, line: location.line, expectedFile: file,
                                text: text)
        case .missingValues, .invalidBlock:
            break
        default:
            Fuzz.require(false, "parsing a batch gave \(error)")
        }
        return 0
    }
    Fuzz.require((1...10_000_000).contains(batch.count), "a batch of \(batch.count) units")
    let factory = IdentityFactory(batch: batch)
    do {
        let unit = try factory.allocation(sequence: batch.identity.serial.first, date: Date(timeIntervalSince1970: 0))
        let block = try factory.block(serial: unit.serial, mac: unit.mac)
        let again = try IdentityBlock(decoding: try block.encoded())
        Fuzz.require(again == block, "the first unit's block changed in a round trip")
    } catch {
        switch error {
        case .exhausted, .missingValues, .invalidBlock:
            break
        default:
            Fuzz.require(false, "the first unit of a parsed batch gave \(error)")
        }
    }
    return 0
}
