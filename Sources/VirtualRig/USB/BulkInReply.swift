/// How a bulk IN transfer ends.
public enum BulkInReply: Equatable, Sendable {
    case data([UInt8])
    /// Nothing to send yet: the host's URB stays in flight (a real device NAKs the IN token).
    case pending
    case stall
}
