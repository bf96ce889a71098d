@testable import Programmers

/// A plain DFU 1.1 device reduced to its state machine (DFU 1.1 appendix A), with knobs for the edge cases:
/// busy polls with a poll timeout, a block that fails, manifestation that is or is not tolerant. Blocks are
/// checked to arrive numbered 0, 1, 2… and land one after the other from `base`.
final class ScriptedDFUDevice: DFUTransport {
    var memory: [UInt8]
    var state: DFUState = .dfuIdle
    var status: DFUStatusCode = .ok
    var requests: [String] = []
    /// GETSTATUS answers dfuDNBUSY this many times per block, with `pollTimeout`.
    var busyPolls = 0
    var pollTimeout: UInt32 = 0
    /// The block that fails, and with what.
    var failingBlock: UInt16?
    var failure: DFUStatusCode = .errWrite
    var manifestationTolerant = true
    let transferSize = 16
    private var offset = 0
    private var expectedBlock: UInt16 = 0
    private var busyLeft = 0
    private var pending: (block: UInt16, data: [UInt8])?
    private var uploadOffset = 0

    init(size: Int = 64) {
        memory = [UInt8](repeating: 0xFF, count: size)
    }

    /// wValue of the last OUT request.
    var lastValue: UInt16 = 0

    func controlOut(request: DFURequest, value: UInt16, data: [UInt8]) throws {
        lastValue = value
        requests.append("\(request)\(request == .download ? "(\(value), \(data.count))" : "")")
        switch request {
        case .download:
            if state == .dfuIdle {
                offset = 0
                expectedBlock = 0
            }
            guard state == .dfuIdle || state == .downloadIdle else { return stall() }
            if data.isEmpty {
                state = .manifestSync
                return
            }
            guard value == expectedBlock else { return stall() }
            expectedBlock &+= 1
            pending = (value, data)
            busyLeft = busyPolls
            state = .downloadSync
        case .clearStatus:
            state = .dfuIdle
            status = .ok
        case .abort:
            state = .dfuIdle
        case .detach, .upload, .getStatus, .getState:
            break
        }
    }

    func controlIn(request: DFURequest, value: UInt16, length: Int) throws -> [UInt8] {
        requests.append("\(request)\(request == .upload ? "(\(value))" : "")")
        switch request {
        case .getStatus:
            return reply(afterStatus())
        case .upload:
            if state == .dfuIdle { uploadOffset = 0 }
            let part = Array(memory[uploadOffset..<min(memory.count, uploadOffset + length)])
            uploadOffset += part.count
            state = part.count < length ? .dfuIdle : .uploadIdle
            return part
        default:
            return []
        }
    }

    /// The GETSTATUS reply's poll timeout, after moving the state on.
    private func afterStatus() -> UInt32 {
        switch state {
        case .downloadSync, .downloadBusy:
            if busyLeft > 0 {
                busyLeft -= 1
                state = .downloadBusy
                return pollTimeout
            }
            guard let (block, data) = pending else { return 0 }
            pending = nil
            if block == failingBlock {
                state = .error
                status = failure
                return 0
            }
            memory.replaceSubrange(offset..<(offset + data.count), with: data)
            offset += data.count
            state = .downloadIdle
            return 0
        case .manifestSync:
            state = manifestationTolerant ? .dfuIdle : .manifest
            return pollTimeout
        case .manifest:
            state = .manifestWaitReset
            return 0
        default:
            return 0
        }
    }

    private func stall() {
        state = .error
        status = .errStalledPacket
    }

    private func reply(_ timeout: UInt32) -> [UInt8] {
        [status.rawValue, UInt8(timeout & 0xFF), UInt8(timeout >> 8 & 0xFF), 0, state.rawValue, 0]
    }
}
