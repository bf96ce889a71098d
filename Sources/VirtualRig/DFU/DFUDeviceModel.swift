/// The DFU 1.1 state machine shared by the DfuSe ROM bootloader and the plain DFU bootloader (DFU 1.1
/// appendix A): status, state, clear, abort, and the download/busy/idle cycle. Subclasses say what a download
/// block, an upload block and manifestation do.
///
/// A DNLOAD only queues its work. The first GETSTATUS after it carries the work out on the virtual chip and
/// answers dfuDNBUSY with bwPollTimeout = the datasheet time x `--time-scale` (dfu-util sleeps exactly that);
/// the next GETSTATUS answers dfuDNLOAD-IDLE, or dfuERROR with the failure. A host that polls early waits for
/// its reply until the chip is done.
public class DFUDeviceModel: USBDeviceModel {
    public let clock: VirtualClock
    public internal(set) var state: DFUState = .dfuIDLE
    public internal(set) var status: DFUStatus = .ok
    public internal(set) var alternate = 0
    public var alternateCount: Int { 1 }

    /// The outcome of queued work: the datasheet time it takes, or the status it fails with.
    enum WorkResult {
        case done(milliseconds: Double)
        case failed(DFUStatus)
    }

    private var pendingWork: (() -> WorkResult)?
    private var busyUntil: UInt64 = 0
    private var busyOutcome: DFUStatus = .ok
    private var replyDelay: UInt64 = 0

    init(clock: VirtualClock) {
        self.clock = clock
    }

    // MARK: USBDeviceModel (descriptors come from subclasses)

    public var deviceDescriptor: [UInt8] { [] }
    public var configurationDescriptor: [UInt8] { [] }
    public var strings: [UInt8: String] { [:] }

    public func control(_ setup: SetupPacket, data: [UInt8]) -> ControlReply {
        guard setup.kind == .classSpecific, setup.recipient == .interface,
            let request = DFURequest(rawValue: setup.request)
        else { return .stall }
        switch request {
        case .getStatus:
            return .data(getStatus().bytes)
        case .getState:
            return .data([state.rawValue])
        case .clearStatus:
            guard state == .dfuERROR || state == .dfuIDLE else { return fail(.errSTALLEDPKT) }
            state = .dfuIDLE
            status = .ok
            return .ack
        case .abort:
            switch state {
            case .dfuIDLE, .dfuDNLOAD_SYNC, .dfuDNLOAD_IDLE, .dfuMANIFEST_SYNC, .dfuUPLOAD_IDLE:
                pendingWork = nil
                state = .dfuIDLE
                return .ack
            default:
                return fail(.errSTALLEDPKT)
            }
        case .detach:
            return .ack
        case .download:
            guard state == .dfuIDLE || state == .dfuDNLOAD_IDLE else { return fail(.errSTALLEDPKT) }
            if data.isEmpty {
                guard state == .dfuDNLOAD_IDLE || acceptsLeaveFromIdle else { return fail(.errSTALLEDPKT) }
                state = .dfuMANIFEST_SYNC
                return .ack
            }
            return download(block: setup.value, data: data)
        case .upload:
            guard state == .dfuIDLE || state == .dfuUPLOAD_IDLE else { return fail(.errSTALLEDPKT) }
            let entering = state == .dfuIDLE
            guard let reply = upload(block: setup.value, length: Int(setup.length), firstOfRun: entering) else {
                return .stall
            }
            state = reply.count < Int(setup.length) ? .dfuIDLE : .dfuUPLOAD_IDLE
            return .data(reply)
        }
    }

    public func takeReplyDelay() -> UInt64 {
        defer { replyDelay = 0 }
        return replyDelay
    }

    public func selectAlternate(interface: Int, alternate: Int) -> Bool {
        guard interface == 0, alternate >= 0, alternate < alternateCount else { return false }
        self.alternate = alternate
        return true
    }

    public func busReset() {
        pendingWork = nil
        state = .dfuIDLE
        status = .ok
    }

    public func shutdown() throws {}

    // MARK: Subclass hooks

    /// Whether a zero-length DNLOAD is accepted in dfuIDLE (DfuSe "leave" is; plain DFU says errNOTDONE).
    var acceptsLeaveFromIdle: Bool { false }

    /// A DNLOAD with data; call `queue` with the work and return `.ack`, or `fail` to refuse it.
    func download(block: UInt16, data: [UInt8]) -> ControlReply { fail(.errSTALLEDPKT) }

    /// An UPLOAD block, or nil to stall (after calling `fail`).
    func upload(block: UInt16, length: Int, firstOfRun: Bool) -> [UInt8]? {
        _ = fail(.errSTALLEDPKT)
        return nil
    }

    /// The GETSTATUS answer in dfuMANIFEST-SYNC, after the zero-length DNLOAD: carry out manifestation and return
    /// the state to report.
    func manifest() -> DFUState { .dfuIDLE }

    // MARK: For subclasses

    /// Queues work for the next GETSTATUS and enters dfuDNLOAD-SYNC.
    func queue(_ work: @escaping () -> WorkResult) -> ControlReply {
        pendingWork = work
        state = .dfuDNLOAD_SYNC
        return .ack
    }

    /// Enters dfuERROR with `status` and stalls the request, as DFU 1.1 prescribes for invalid requests.
    func fail(_ failure: DFUStatus) -> ControlReply {
        state = .dfuERROR
        status = failure
        return .stall
    }

    func getStatus() -> DFUStatusRecord {
        switch state {
        case .dfuDNLOAD_SYNC:
            guard let work = pendingWork else {
                state = .dfuDNLOAD_IDLE
                return DFUStatusRecord(status: status, pollTimeout: 0, state: state)
            }
            pendingWork = nil
            var milliseconds = 0.0
            switch work() {
            case .done(let time):
                milliseconds = time
                busyOutcome = .ok
            case .failed(let failure):
                busyOutcome = failure
            }
            busyUntil = clock.microseconds + clock.scaled(milliseconds: milliseconds)
            state = .dfuDNBUSY
            let timeout = clock.pollTimeout(milliseconds: milliseconds)
            return DFUStatusRecord(status: .ok, pollTimeout: timeout, state: state)
        case .dfuDNBUSY:
            let now = clock.microseconds
            if now < busyUntil { replyDelay = busyUntil - now }
            if busyOutcome == .ok {
                state = .dfuDNLOAD_IDLE
            } else {
                state = .dfuERROR
                status = busyOutcome
            }
            return DFUStatusRecord(status: status, pollTimeout: 0, state: state)
        case .dfuMANIFEST_SYNC:
            state = manifest()
            return DFUStatusRecord(status: status, pollTimeout: 0, state: state)
        case .dfuMANIFEST:
            // The real device has left the bus by now; answering keeps a lingering host from hanging.
            state = .dfuMANIFEST_WAIT_RESET
            return DFUStatusRecord(status: status, pollTimeout: 0, state: state)
        default:
            return DFUStatusRecord(status: status, pollTimeout: 0, state: state)
        }
    }
}
