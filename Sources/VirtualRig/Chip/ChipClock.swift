import Foundation

/// The time source the chip's slow operations (flash erase and program) are measured against.
///
/// The rig's `VirtualClock` has exactly these two members, so `extension VirtualClock: ChipClock {}` is all it
/// takes to drive a chip with the rig's `--time-scale`. Contract: `microseconds` is monotonic; `scaled` turns a
/// datasheet duration into microseconds of that clock (0 at time-scale 0, so flash operations finish at once).
public protocol ChipClock: AnyObject {
    var microseconds: UInt64 { get }
    func scaled(milliseconds: Double) -> UInt64
}

/// A clock for tests and direct runs: wall time scaled by `timeScale`, or advanced by hand when `manual`.
public final class ScaledChipClock: ChipClock {
    public let timeScale: Double
    private let manual: Bool
    private var manualNow: UInt64 = 0
    private let lock = NSLock()

    public init(timeScale: Double, manual: Bool = false) {
        self.timeScale = max(0, timeScale)
        self.manual = manual
    }

    public var microseconds: UInt64 {
        if manual { return lock.withLock { manualNow } }
        return DispatchTime.now().uptimeNanoseconds / 1_000
    }

    public func scaled(milliseconds: Double) -> UInt64 {
        let value = milliseconds * 1_000 * timeScale
        return value.isFinite && value > 0 ? UInt64(value.rounded(.up)) : 0
    }

    /// Moves a manual clock forward; a no-op for a wall clock.
    public func advance(microseconds: UInt64) {
        lock.withLock { manualNow += microseconds }
    }
}
