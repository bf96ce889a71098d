import FuzzSupport
import Provisioning

/// The identity block as read back from a device: it decodes into values that encode to a block which decodes
/// to the same values, or gives `ProvisioningError.invalidBlock`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let block: IdentityBlock
    do {
        block = try IdentityBlock(decoding: bytes)
    } catch {
        guard case .invalidBlock = error else {
            Fuzz.require(false, "decoding a block gave \(error)")
            return 0
        }
        return 0
    }
    do {
        let encoded = try block.encoded()
        Fuzz.require(encoded.count % IdentityBlock.alignment == 0, "an encoded block of \(encoded.count) bytes")
        let again = try IdentityBlock(decoding: encoded)
        Fuzz.require(again == block, "the block changed in a round trip: \(block) became \(again)")
    } catch {
        // Decoding repairs invalid UTF-8, which can make a record longer than the 255 bytes it came in.
        guard case .invalidBlock = error else {
            Fuzz.require(false, "re-encoding a decoded block gave \(error)")
            return 0
        }
    }
    return 0
}
