import Foundation

/// Runs a chip on its own thread, as real silicon runs between probe transactions: slices of `slice` instructions
/// while the core runs, a short sleep while it is halted. Probe models keep calling the chip from their threads;
/// each call waits for the current slice (the chip's lock), so a slice bounds their latency.
///
/// ```swift
/// let runner = ChipRunner(chip: chip)
/// runner.start()
/// … serve the ST-Link model …
/// runner.stop()
/// ```
public final class ChipRunner {
    public let chip: VirtualChip
    /// Instructions per slice: at ~100 M instructions/s, 100 000 keeps a probe's wait under about a millisecond.
    public var slice = 100_000
    /// Pause between slices so a busy-looping firmware leaves the CPU to the rig's other threads.
    public var pauseMicroseconds: UInt32 = 200
    private let condition = NSCondition()
    private var running = false
    private var thread: Thread?

    public init(chip: VirtualChip) {
        self.chip = chip
    }

    public var isRunning: Bool { condition.withLock { running } }

    public func start() {
        condition.withLock {
            guard !running else { return }
            running = true
            let thread = Thread { [weak self] in self?.loop() }
            thread.name = "atelier-chip-\(chip.chip.id)"
            self.thread = thread
            thread.start()
        }
    }

    /// Stops after the current slice and waits for the thread to finish.
    public func stop() {
        condition.withLock {
            running = false
            while thread != nil { condition.wait() }
        }
    }

    private func loop() {
        while isRunning {
            if chip.isHalted || chip.isServingProbe {
                usleep(1_000)
            } else {
                chip.run(instructions: slice)
                if pauseMicroseconds > 0 { usleep(pauseMicroseconds) }
            }
        }
        condition.withLock {
            thread = nil
            condition.broadcast()
        }
    }

    deinit {
        if isRunning { stop() }
    }
}
