import FuzzImage
import FuzzSupport

/// The elf reader: any input either parses into a canonical image that survives every format's round trip, or
/// gives a located `FirmwareImageError`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ImageInvariants.check(Fuzz.bytes(data, size), as: .elf)
    return 0
}
