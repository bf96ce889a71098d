import Foundation
import USB

/// One probe scan shared by the slots of a run. Every scan opens each probe on the bus for its serial, so eight
/// slots scanning each for themselves would read the whole rack eight times over.
///
/// A slot reuses the last scan only if it began after the slot asked for its lease, and only when the lease came
/// without waiting: then no other job held the slot's probe since the scan (a job it waited for may have reset or
/// re-plugged it), and the scan is as current as one of its own.
public final class ProbeInventory: @unchecked Sendable {
    private let lock = NSLock()
    private var last: (started: Date, probes: [DetectedProbe])?
    private let scan: () throws -> [DetectedProbe]

    /// `scan` lists the attached probes; tests pass their own.
    public init(scan: @escaping () throws -> [DetectedProbe] = { try ProbeScan.run().probes }) {
        self.scan = scan
    }

    /// The attached probes, from a scan that began at or after `moment`: the last one when it is recent enough,
    /// else a new one. Slots asking together wait for one scan rather than each running their own.
    public func probes(scannedSince moment: Date) throws -> [DetectedProbe] {
        lock.lock()
        defer { lock.unlock() }
        if let last, last.started >= moment { return last.probes }
        let started = Date()
        let probes = try scan()
        last = (started, probes)
        return probes
    }
}
