/// DFU 1.1 class requests (DFU 1.1 section 3, table 3.2), in spec order.
public enum DFURequest: UInt8, Sendable {
    case detach = 0, download, upload, getStatus, clearStatus, getState, abort
}
