import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lease on one rig slot: `flock` on a file per slot. The kernel drops the lock when the holding
/// process dies, however it dies (kill -9 included), so a dead job never leaves a slot locked. The file keeps the
/// holder's pid, host and start time only so that a waiting job can say who it waits for.
public final class SlotLease: @unchecked Sendable {
    public let slot: String
    public let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var released = false

    private init(slot: String, path: String, descriptor: Int32) {
        self.slot = slot
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Releases the lease (also done on exit by the kernel).
    public func release() {
        lock.lock()
        defer { lock.unlock() }
        // Once only: a second close could hit a descriptor number the process has reused since.
        guard !released else { return }
        released = true
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// The folder for lock files: $ATELIER_LOCK_DIR, $XDG_RUNTIME_DIR/atelier, /run/lock/atelier, /tmp/atelier-locks,
    /// the first that exists or can be created.
    public static func lockDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        var candidates: [String] = []
        if let dir = environment["ATELIER_LOCK_DIR"] { candidates.append(dir) }
        if let dir = environment["XDG_RUNTIME_DIR"] { candidates.append(dir + "/atelier") }
        candidates += ["/run/lock/atelier", NSTemporaryDirectory() + "atelier-locks"]
        for dir in candidates {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if access(dir, W_OK) == 0 { return dir }
        }
        return "/tmp"
    }

    /// Takes the lease on `slot`, waiting up to `wait` seconds while another process holds it; `waiting` is told,
    /// once, who holds it (pid, host, since).
    public static func acquire(slot: String, directory: String, wait: Double,
                               waiting: (String) -> Void = { _ in }) throws(RigError) -> SlotLease {
        let path = "\(directory)/slot-\(slot).lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw .lockFailed(path: path, reason: String(cString: strerror(errno))) }
        let asked = Date()
        let deadline = asked.addingTimeInterval(wait)
        var told = false
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.holder(descriptor)
            guard Date() < deadline else {
                close(descriptor)
                throw .leaseBusy(slot: slot, holder: holder, waited: wait)
            }
            // A holder that has just taken the lock may not have written its name yet: give it a moment.
            if !told, holder != Self.unnamed || Date().timeIntervalSince(asked) > 0.5 {
                waiting("slot '\(slot)' is held by \(holder); waiting up to \(Int(wait)) s")
                told = true
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let host = ProcessInfo.processInfo.hostName
        let since = ISO8601DateFormatter().string(from: Date())
        let text = "pid \(getpid()) on \(host) since \(since)\n"
        ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return SlotLease(slot: slot, path: path, descriptor: descriptor)
    }

    static let unnamed = "another process"

    /// What the holder wrote, or a placeholder while it has not written yet.
    static func holder(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        let text = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? unnamed : trimmed
    }
}
