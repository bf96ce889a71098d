import Foundation

/// A `USBTransport` that plays a script of expected transfers and their replies, for driver unit tests.
///
/// Shipped in the library (as NIOEmbedded ships with NIO) so every driver's tests script the same way.
/// Each call takes the next step; a call that does not match it fails with `.invalidParameter` naming both,
/// and is recorded in `mismatches` so a test can assert on it even when the driver swallows errors.
public final class ScriptedUSBTransport: USBTransport, @unchecked Sendable {
    /// One expected transfer. `data` nil on an OUT step accepts any payload.
    public struct Step: Sendable, CustomStringConvertible {
        public enum Kind: Sendable, Hashable {
            case controlIn(request: UInt8, value: UInt16, index: UInt16)
            case controlOut(request: UInt8, value: UInt16, index: UInt16)
            case bulkIn(endpoint: UInt8)
            case bulkOut(endpoint: UInt8)
        }

        public var kind: Kind
        public var data: [UInt8]?
        public var outcome: Result<[UInt8], USBError>

        public init(kind: Kind, data: [UInt8]? = nil, outcome: Result<[UInt8], USBError>) {
            self.kind = kind
            self.data = data
            self.outcome = outcome
        }

        public static func controlIn(request: UInt8, value: UInt16 = 0, index: UInt16 = 0, reply: [UInt8]) -> Step {
            Step(kind: .controlIn(request: request, value: value, index: index), outcome: .success(reply))
        }

        public static func controlOut(request: UInt8, value: UInt16 = 0, index: UInt16 = 0,
                                      data: [UInt8]? = nil) -> Step {
            Step(kind: .controlOut(request: request, value: value, index: index), data: data, outcome: .success([]))
        }

        public static func bulkIn(endpoint: UInt8, reply: [UInt8]) -> Step {
            Step(kind: .bulkIn(endpoint: endpoint), outcome: .success(reply))
        }

        public static func bulkOut(endpoint: UInt8, data: [UInt8]? = nil) -> Step {
            Step(kind: .bulkOut(endpoint: endpoint), data: data, outcome: .success([]))
        }

        /// The same expected transfer, failing with `error` instead of succeeding.
        public func failing(with error: USBError) -> Step {
            Step(kind: kind, data: data, outcome: .failure(error))
        }

        public var description: String {
            switch kind {
            case .controlIn(let request, let value, let index):
                "controlIn(request: \(hex2(request)), value: \(value), index: \(index))"
            case .controlOut(let request, let value, let index):
                "controlOut(request: \(hex2(request)), value: \(value), index: \(index))"
                    + (data.map { " data: \($0)" } ?? "")
            case .bulkIn(let endpoint): "bulkIn(endpoint: \(hex2(endpoint)))"
            case .bulkOut(let endpoint): "bulkOut(endpoint: \(hex2(endpoint)))" + (data.map { " data: \($0)" } ?? "")
            }
        }
    }

    private let lock = NSLock()
    private var steps: [Step]
    private var position = 0
    private var recordedMismatches: [String] = []

    public init(_ steps: [Step]) {
        self.steps = steps
    }

    /// Steps not yet played; a finished test expects this to be empty.
    public var remainingSteps: [Step] {
        lock.withLock { Array(steps[position...]) }
    }

    /// Descriptions of calls that did not match the script.
    public var mismatches: [String] {
        lock.withLock { recordedMismatches }
    }

    public func controlIn(_ request: USBControlRequest, length: Int, timeout: Duration) throws(USBError) -> [UInt8] {
        let reply = try play(.controlIn(request: request.request, value: request.value, index: request.index),
                             data: nil, operation: request.description)
        return Array(reply.prefix(length))
    }

    public func controlOut(_ request: USBControlRequest, data: [UInt8], timeout: Duration) throws(USBError) {
        _ = try play(.controlOut(request: request.request, value: request.value, index: request.index),
                     data: data, operation: request.description)
    }

    public func bulkIn(endpoint: UInt8, length: Int, timeout: Duration) throws(USBError) -> [UInt8] {
        let reply = try play(.bulkIn(endpoint: endpoint), data: nil, operation: "bulk IN on \(hex2(endpoint))")
        return Array(reply.prefix(length))
    }

    public func bulkOut(endpoint: UInt8, data: [UInt8], timeout: Duration) throws(USBError) {
        _ = try play(.bulkOut(endpoint: endpoint), data: data, operation: "bulk OUT on \(hex2(endpoint))")
    }

    private func play(_ kind: Step.Kind, data: [UInt8]?, operation: String) throws(USBError) -> [UInt8] {
        let outcome: Result<[UInt8], USBError> = lock.withLock {
            guard position < steps.count else {
                return .failure(mismatch("\(operation) after the script ended"))
            }
            let step = steps[position]
            guard step.kind == kind, step.data == nil || step.data == data else {
                let sent = data.map { " with data \($0)" } ?? ""
                return .failure(mismatch("\(operation)\(sent) where the script expected \(step)"))
            }
            position += 1
            return step.outcome
        }
        return try outcome.get()
    }

    /// Records a mismatch; called with the lock held.
    private func mismatch(_ text: String) -> USBError {
        recordedMismatches.append(text)
        return .invalidParameter(operation: "scripted transport: \(text)")
    }
}
