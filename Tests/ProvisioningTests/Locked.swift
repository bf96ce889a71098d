import Foundation

/// A value the stations of a test (threads) share, behind an `NSLock`. Not `Synchronization.Mutex`: on Linux it
/// waits on a futex, which ThreadSanitizer does not see, so `make test-tsan` reported its accesses as races.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
