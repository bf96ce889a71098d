import Foundation
import Testing
@testable import Rig

@Suite struct SlotLeaseTests {
    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "atelier-lease-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aSecondHolderWaitsAndIsToldWhoHoldsTheSlot() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try SlotLease.acquire(slot: "bp-1", directory: directory, wait: 0)
        var told: [String] = []
        #expect(throws: RigError.self) {
            try SlotLease.acquire(slot: "bp-1", directory: directory, wait: 0.2) { told.append($0) }
        }
        #expect(told.count == 1)
        #expect(told.first?.contains("pid \(getpid()) on ") == true, "\(told)")
        #expect(told.first?.contains(" since 20") == true, "\(told)")
        first.release()
        let second = try SlotLease.acquire(slot: "bp-1", directory: directory, wait: 0)
        second.release()
    }

    @Test func otherSlotsAreIndependent() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let a = try SlotLease.acquire(slot: "a", directory: directory, wait: 0)
        let b = try SlotLease.acquire(slot: "b", directory: directory, wait: 0)
        a.release()
        b.release()
    }

    @Test func theLockDirectoryPrefersTheOverrideThenXDG() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(SlotLease.lockDirectory(environment: ["ATELIER_LOCK_DIR": directory]) == directory)
        #expect(SlotLease.lockDirectory(environment: ["XDG_RUNTIME_DIR": directory]) == directory + "/atelier")
    }
}
