/// A device model with an emulated chip behind it (a debug probe and its target board), which the rig powers
/// while the command runs and can keep running afterwards (`atelier-rig exec --run-for`).
///
/// Order: the rig sets `chip.onEvent`, calls `powerOn()` before the command starts, `hostDisconnected()` when
/// it has exited, waits as long as asked (or until `hasStopped`), then calls `shutdown()`, which stops the core.
public protocol ChipHostingDevice: AnyObject {
    var chip: VirtualChip { get }
    /// Starts the core running on its own thread, from the reset state.
    func powerOn()
    /// The host program has exited: what a probe left behind when its host went away.
    func hostDisconnected()
    /// The core has stopped and nothing will start it again.
    var hasStopped: Bool { get }
}
