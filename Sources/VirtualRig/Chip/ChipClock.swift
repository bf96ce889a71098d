/// The time source the chip's slow operations (flash erase and program) are measured against.
///
/// Contract: `microseconds` is monotonic; `scaled` turns a datasheet duration into microseconds of that clock, 0 at
/// time-scale 0 so flash operations finish at once. The rig's `VirtualClock` is one, so a chip follows
/// `--time-scale`; a test drives time by hand with `VirtualClock(timeScale: 1, now: { … })`.
public protocol ChipClock: AnyObject {
    var microseconds: UInt64 { get }
    func scaled(milliseconds: Double) -> UInt64
}

extension VirtualClock: ChipClock {}
