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

/// The target board behind a debug probe: its chip, the thread that runs it, and what power-on and a departing
/// debugger do to it. Every probe model (ST-Link, CMSIS-DAP) holds one, so they treat the board alike.
final class ProbeTarget {
    let chip: VirtualChip
    /// Runs the core between probe commands once the rig has powered the board.
    let runner: ChipRunner

    init(chip: VirtualChip) {
        self.chip = chip
        runner = ChipRunner(chip: chip)
    }

    /// The board is powered: the firmware in flash starts, unless the part is blank. A blank part fetches its
    /// reset vector from erased flash and locks up; the rig holds such a core halted instead of reporting a
    /// fault nobody caused.
    func powerOn() {
        if chip.flash.value(at: chip.flash.start + 4, width: 4) == 0xFFFF_FFFF { chip.halt() }
        runner.start()
    }

    /// The debugger has gone: a running core loses it, so semihosting calls go to the rig
    /// (`VirtualChip.detachDebugger`); a core halted by the debugger stays halted, as on hardware.
    func debuggerDetached() {
        switch chip.haltReason {
        case nil, .some(.semihosting):
            // A core waiting on BKPT 0xAB runs again and meets it with debug off: the rig's host answers.
            chip.detachDebugger()
        default:
            break
        }
    }

    /// Whether the core has stopped for good without a debugger to resume it (exit, fault, halted).
    var hasStopped: Bool { chip.isHalted }

    func powerOff() {
        runner.stop()
    }
}
