import BoardCatalog

/// How a programmer's error bears on what the flash core does next. Programmers' errors (USB, DFU, …) say
/// which kind they are by conforming to `FlashFailureClassifying`; anything else counts as `.other`.
public enum FlashFailureKind: Sendable, Equatable {
    /// The device answered and said no (a DFU error status, a protected address): retrying will not help.
    case refused
    /// The device left the bus (unplugged, reset, re-enumerated).
    case disconnected
    /// The device stalled a request: often transient, so the core retries the operation once.
    case stalled
    /// The device never answered within the transfer timeout.
    case timedOut
    case other
}

public protocol FlashFailureClassifying: Error {
    var flashFailureKind: FlashFailureKind { get }
    /// The address of the transfer that failed, when the programmer knows it more precisely than the core
    /// (it splits the core's transfers into blocks).
    var failedAddress: UInt64? { get }
}

extension FlashFailureClassifying {
    public var failedAddress: UInt64? { nil }
}

/// Where a run stood when the device went away, stopped answering or stalled twice: enough for a message that
/// says where, how much was written and what to do.
public struct FlashInterruption: Sendable, CustomStringConvertible {
    public var kind: FlashFailureKind
    /// What the core was doing: "program", "erase", "read", "write".
    public var operation: String
    /// The address of the transfer that failed.
    public var address: UInt64
    /// Bytes written to the device in this run before the failure.
    public var bytesWritten: UInt64
    /// The sector (or stream) being changed when it failed, which may now hold a mix of old and new bytes.
    public var changing: Range<UInt64>?
    public var underlying: Error

    public var description: String {
        let place = "\(operation) at \(hex(address)), after \(bytesWritten) bytes written"
        var text: String
        switch kind {
        case .disconnected:
            text = "the device disappeared during \(place): check the cable and the hub, replug the device"
        case .timedOut:
            text = "the device stopped answering during \(place): replug or power-cycle the board"
        case .stalled:
            text = "the device stalled \(place), and again when retried: reset the board into its bootloader"
        case .refused, .other:
            text = "\(place) failed"
        }
        if let changing {
            text += "; the flash at \(hexRange(changing)) may be half-written, "
                + "so flash again"
        } else {
            text += ", then flash again"
        }
        return text + " (\(underlying))"
    }
}
