/// How a control transfer ends.
public enum ControlReply: Equatable, Sendable {
    /// IN data stage; truncated to wLength by the caller.
    case data([UInt8])
    /// OUT or no-data request accepted.
    case ack
    /// The request is refused with a STALL handshake; the host sees EPIPE.
    case stall
}
