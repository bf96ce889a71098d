import Foundation

/// The chips behind probe models: powered while the command runs, and kept running afterwards on request.
extension VirtualRig {
    /// The devices that host a chip.
    var chipDevices: [(attached: Attached, device: ChipHostingDevice)] {
        devices.compactMap { attached in
            (attached.server.model as? ChipHostingDevice).map { (attached, $0) }
        }
    }

    /// Connects each chip's events to `onEvent` and starts its core, before the command sees the devices.
    func powerChips(onEvent: ((Attached, ChipEvent) -> Void)?) {
        for (attached, device) in chipDevices {
            guard let onEvent else {
                device.powerOn()
                continue
            }
            let chip = device.chip
            device.chip.onEvent = { event in
                // A blank part faults on its erased reset vector at every reset a probe makes; that is no news.
                if case .stopped = event, chip.flash.value(at: chip.flash.start + 4, width: 4) == 0xFFFF_FFFF {
                    return
                }
                onEvent(attached, event)
            }
            device.powerOn()
        }
    }

    /// After the command has exited: each probe's host is gone; the cores keep running for `seconds`, or until
    /// every one has stopped (semihosting exit, a fault, halted by the debugger). With `interruptible`, Ctrl-C or
    /// SIGTERM ends the wait instead of the process, so the devices' state is still saved.
    func keepChipsRunning(for seconds: Double, interruptible: Bool) {
        let hosts = chipDevices.map(\.device)
        for device in hosts { device.hostDisconnected() }
        guard seconds > 0, !hosts.isEmpty else { return }
        let interrupted = NSLock()
        var stop = false
        var sources: [DispatchSourceSignal] = []
        if interruptible {
            for number in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { interrupted.withLock { stop = true } }
                signal(number, SIG_IGN)
                source.resume()
                sources.append(source)
            }
        }
        defer {
            for source in sources { source.cancel() }
            if interruptible { for number in [SIGINT, SIGTERM] { signal(number, SIG_DFL) } }
        }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !hosts.allSatisfy(\.hasStopped), !interrupted.withLock({ stop }) {
            // The events have gone to `onEvent`; a blinky left running would otherwise grow the chip's record
            // by thousands of events a second.
            for device in hosts { device.chip.clearEvents() }
            Thread.sleep(forTimeInterval: min(0.02, max(0, deadline.timeIntervalSinceNow)))
        }
    }
}
