import BoardCatalog

/// Why a flash operation stopped. Every case names the address so the user knows how far it got.
public enum FlashError: Error, CustomStringConvertible {
    public struct RegionName: Sendable, Equatable {
        public var name: String
        public var range: Range<UInt64>
    }

    /// Part of the image lies outside every flash region; nothing was written.
    case outsideFlash(Range<UInt64>, nearest: RegionName?)
    /// Read-back after programming differs from what was written.
    case verifyMismatch(address: UInt64, expected: UInt8, actual: UInt8)
    /// The programmer failed during one step.
    case targetFailed(operation: String, address: UInt64, underlying: Error)
    /// The device went away, stopped answering, or stalled again after the one retry.
    case interrupted(FlashInterruption)
    /// A stream-only programmer (plain DFU) writes from `base`, and the image starts below it.
    case belowStreamBase(image: UInt64, base: UInt64)
    /// The operation needs something this programmer cannot do.
    case unsupported(String)
    /// The image source could not be read.
    case sourceFailed(Range<UInt64>, underlying: Error)

    public var description: String {
        switch self {
        case .outsideFlash(let range, let nearest):
            let bytes = range.upperBound - range.lowerBound
            var text = "\(bytes) image bytes at \(hexRange(range)) lie outside the board's flash"
            if let nearest {
                text += "; the nearest region is '\(nearest.name)' at \(hexRange(nearest.range))"
            }
            return text + ". Nothing was written: link the image for this board or pick the right --board."
        case .verifyMismatch(let address, let expected, let actual):
            return "verify failed at \(hex(address)): the image has \(hex(UInt64(expected), width: 2)) but the device holds "
                + "\(hex(UInt64(actual), width: 2)); flash again, and if it persists the sector may be worn or write-protected"
        case .targetFailed(let operation, let address, let underlying):
            return "\(operation) at \(hex(address)) failed: \(underlying)"
        case .interrupted(let interruption):
            return interruption.description
        case .belowStreamBase(let image, let base):
            return "the image starts at \(hex(image)) but this device writes one stream from \(hex(base)); nothing "
                + "was written: link the image at \(hex(base)) or above, or pick the right device"
        case .unsupported(let what):
            return what
        case .sourceFailed(let range, let underlying):
            return "cannot read image bytes \(hexRange(range)): \(underlying)"
        }
    }
}
