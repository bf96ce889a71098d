/// The generic faults of one device, decided at the USB layer before a request reaches the model: an unplug,
/// STALLs and a hang. A request the injector takes never reaches the model, as a request lost on the bus
/// never reaches the firmware.
///
/// ```swift
/// let faults = USBFaultInjector([.stallAfter(bytes: 0)])
/// faults.admit(counted: true)   // .stall, once
/// faults.admit(counted: true)   // .pass
/// ```
public final class USBFaultInjector {
    public enum Verdict: Equatable, Sendable {
        /// Serve the request normally.
        case pass
        /// Answer with a STALL handshake; the host sees EPIPE.
        case stall
        /// The device has left the bus; the host sees ENODEV.
        case gone
        /// Never answer; the host's timeout fires and it discards the URB.
        case hang
    }

    private var unplugAt: UInt64?
    private var hangAt: UInt64?
    /// One entry per injected stall, each fired once, in order of their thresholds.
    private var stalls: [UInt64]
    public private(set) var transferred: UInt64 = 0
    public private(set) var isGone = false
    public private(set) var isHung = false

    public init(_ faults: [FaultSpec]) {
        var stalls: [UInt64] = []
        for fault in faults {
            switch fault {
            case .unplugAfter(let bytes): unplugAt = min(unplugAt ?? .max, bytes)
            case .timeoutAfter(let bytes): hangAt = min(hangAt ?? .max, bytes)
            case .stallAfter(let bytes): stalls.append(bytes)
            case .bitflipReadback, .writeProtect: break
            }
        }
        self.stalls = stalls.sorted()
    }

    public var isEmpty: Bool { unplugAt == nil && hangAt == nil && stalls.isEmpty }

    /// Decides one request. `counted` requests (class, vendor, bulk) move the thresholds; standard requests
    /// only see a device that is already gone or hung.
    public func admit(counted: Bool) -> Verdict {
        if isGone { return .gone }
        if isHung { return .hang }
        guard counted else { return .pass }
        if let unplugAt, transferred >= unplugAt {
            isGone = true
            return .gone
        }
        if let hangAt, transferred >= hangAt {
            isHung = true
            return .hang
        }
        if let first = stalls.first, transferred >= first {
            stalls.removeFirst()
            return .stall
        }
        return .pass
    }

    /// Counts the data bytes a served request moved.
    public func record(_ bytes: Int) {
        transferred += UInt64(max(0, bytes))
    }
}
