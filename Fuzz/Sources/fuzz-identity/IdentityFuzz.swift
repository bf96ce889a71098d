import Flash
import FuzzSupport
import Provisioning

/// The identity block as read back from a device: it decodes into values that encode to a block which decodes
/// to the same values, or gives `ProvisioningError.invalidBlock`.
/// Also decodes the input with its payload length and CRC-32 made to fit: a random change almost never keeps the
/// CRC right, and without this the records behind it would hardly be reached.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    check(bytes)
    if bytes.count >= IdentityBlock.headerSize {
        var fixed = IdentityBlock.magic + Array(bytes[4..<IdentityBlock.headerSize]) + bytes[IdentityBlock.headerSize...]
        let length = UInt32(fixed.count - IdentityBlock.headerSize)
        fixed.replaceSubrange(8..<12, with: (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) })
        let crc = FlashChecksum.crc32(Array(fixed[0..<12]) + fixed[IdentityBlock.headerSize...])
        fixed.replaceSubrange(12..<16, with: (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) })
        check(fixed)
    }
    return 0
}

func check(_ bytes: [UInt8]) {
    let block: IdentityBlock
    do {
        block = try IdentityBlock(decoding: bytes)
    } catch {
        Fuzz.require({ if case .invalidBlock = error { true } else { false } }(), "decoding a block gave \(error)")
        return
    }
    do {
        let encoded = try block.encoded()
        Fuzz.require(encoded.count % IdentityBlock.alignment == 0, "an encoded block of \(encoded.count) bytes")
        let again = try IdentityBlock(decoding: encoded)
        Fuzz.require(again == block, "the block changed in a round trip: \(block) became \(again)")
    } catch {
        // Decoding repairs invalid UTF-8, which can make a record longer than the 255 bytes it came in.
        Fuzz.require({ if case .invalidBlock = error { true } else { false } }(),
                     "re-encoding a decoded block gave \(error)")
    }
}
