import Foundation
import Testing
import USB

@testable import Rig

@Suite struct ProbeInventoryTests {
    /// Counts the scans it was asked for.
    final class CountingScan: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var scans: Int { lock.withLock { count } }
        func scan() -> [DetectedProbe] {
            lock.withLock { count += 1 }
            return []
        }
    }

    @Test func slotsAskingTogetherShareOneScan() throws {
        let counter = CountingScan()
        let inventory = ProbeInventory(scan: counter.scan)
        let asked = Date()
        let group = DispatchGroup()
        for _ in 0..<8 {
            DispatchQueue.global().async(group: group) { _ = try? inventory.probes(scannedSince: asked) }
        }
        group.wait()
        #expect(counter.scans == 1)
    }

    @Test func aSlotThatWaitedForItsLeaseScansAgain() throws {
        let counter = CountingScan()
        let inventory = ProbeInventory(scan: counter.scan)
        let first = Date()
        _ = try inventory.probes(scannedSince: first)
        _ = try inventory.probes(scannedSince: first)
        #expect(counter.scans == 1)
        // A lease granted after the last scan began: that scan may predate the other job's use of the probe.
        _ = try inventory.probes(scannedSince: Date().addingTimeInterval(1))
        #expect(counter.scans == 2)
    }
}
