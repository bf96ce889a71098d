@testable import Programmers

/// A DfuSe device reduced to its state machine, driven request by request, so tests can bend it to each edge
/// case the spec allows. The real check is the virtual rig; this reaches what the rig does not do by default.
final class ScriptedDfuSeDevice: DFUTransport {
    var memory: [UInt64: UInt8] = [:]
    var state: DFUState = .dfuIdle
    var status: DFUStatusCode = .ok
    var pointer: UInt64 = 0x0800_0000
    var pending: [UInt8]?
    var pendingBlock: UInt16 = 0
    var requests: [DFURequest] = []
    /// Answers the first GETSTATUS after a command with this state instead of dfuDNBUSY.
    var firstStatusAfterCommand: DFUState = .downloadBusy
    /// Addresses the device refuses with errTARGET.
    var protectedBelow: UInt64 = 0
    let transferSize = 2048

    func controlOut(request: DFURequest, value: UInt16, data: [UInt8]) throws {
        requests.append(request)
        switch request {
        case .download:
            pending = data
            pendingBlock = value
            state = .downloadSync
        case .clearStatus:
            state = .dfuIdle
            status = .ok
        case .abort:
            state = .dfuIdle
        default:
            break
        }
    }

    func controlIn(request: DFURequest, value: UInt16, length: Int) throws -> [UInt8] {
        requests.append(request)
        switch request {
        case .getStatus:
            if state == .downloadSync, let data = pending {
                pending = nil
                state = firstStatusAfterCommand == .downloadBusy ? .downloadBusy : firstStatusAfterCommand
                if state == .downloadBusy { execute(data, block: pendingBlock) }
                return reply()
            }
            if state == .downloadBusy { state = status == .ok ? .downloadIdle : .error }
            return reply()
        case .upload:
            state = .uploadIdle
            let base = UInt64(value - 2) * UInt64(transferSize) + pointer
            return (0..<UInt64(length)).map { memory[base + $0] ?? 0xFF }
        default:
            return []
        }
    }

    private func execute(_ data: [UInt8], block: UInt16) {
        if block == 0, data.first == DfuSeCommand.setAddressPointer, data.count == 5 {
            let address = data[1...4].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
            if address < protectedBelow { status = .errTarget }
            pointer = address
        } else if block == 0, data.first == DfuSeCommand.erase {
            if data.count == 1 { memory.removeAll() }
        } else if block >= 2 {
            let base = UInt64(block - 2) * UInt64(transferSize) + pointer
            for (offset, byte) in data.enumerated() { memory[base + UInt64(offset)] = byte }
        }
    }

    private func reply() -> [UInt8] { [status.rawValue, 1, 0, 0, state.rawValue, 0] }
}
