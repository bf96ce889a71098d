import Foundation

/// Runs one job per device at once, each on a thread of its own: how `atelier test` runs a rig's slots and
/// `atelier provision --parallel` its boards.
///
/// Threads rather than Dispatch: a slot waits on its USB device, not on the CPU, and `concurrentPerform` runs only
/// as many jobs at once as there are cores, so eight slots on two cores would take four times one slot.
/// A job keeps its device to itself; libusb and the USB module are safe for one thread per handle.
public enum SlotThreads {
    /// `body(index)` for every index below `count`, on at most `width` threads, each taking the next index when it
    /// is done with one; the results come back in index order.
    public static func map<T: Sendable>(count: Int, width: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let results = SlotResults<T>(count: count)
        let group = DispatchGroup()
        for _ in 0..<max(1, min(width, count)) {
            group.enter()
            let thread = Thread {
                while let index = results.take() { results.set(index, body(index)) }
                group.leave()
            }
            // A slot's work (a flash plan, a console) runs deeper than the 512 KiB a secondary thread gets.
            thread.stackSize = 4 << 20
            thread.start()
        }
        group.wait()
        return results.all
    }
}

/// The jobs' indexes still to take and the results written so far, each to its own index.
private final class SlotResults<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [T?]
    private var next = 0

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func take() -> Int? {
        lock.withLock {
            guard next < results.count else { return nil }
            next += 1
            return next - 1
        }
    }

    func set(_ index: Int, _ result: T) { lock.withLock { results[index] = result } }

    var all: [T] { lock.withLock { results.compactMap { $0 } } }
}
