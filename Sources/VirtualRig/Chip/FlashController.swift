/// A flash controller model: its registers on the peripheral bus, and what a bus write into the flash array does.
///
/// Writes into flash never store directly: the controller decides, from its state (PG set, unlocked, PSIZE),
/// what the cells hold afterwards, as the reference manuals describe. Both the core (a loader's `strh`) and the
/// debug port (a probe's memory write) come through `busWrite`.
protocol FlashController: MMIODevice {
    /// Base address of the register block (0x40022000 on STM32F1, 0x40023C00 on STM32F4).
    var registerBase: UInt32 { get }
    var flash: FlashArray { get }
    /// Sector indexes that report a write-protection error instead of changing (fault injection).
    var protectedSectors: Set<Int> { get set }
    /// A bus write of `width` bytes into the flash array; false is a bus error.
    func busWrite(address: UInt32, width: Int, value: UInt32) -> Bool
}

/// Flash controller keys shared by STM32 families (RM0008 3.3.1, RM0090 3.5.1).
enum STM32FlashKey {
    static let key1: UInt32 = 0x4567_0123
    static let key2: UInt32 = 0xCDEF_89AB
    static let optionKey1F4: UInt32 = 0x0819_2A3B
    static let optionKey2F4: UInt32 = 0x4C5D_6E7F
}

/// The KEYR unlock sequence: two keys in order clear LOCK; anything else locks the controller until reset.
struct FlashKeySequence {
    private(set) var locked = true
    private(set) var lockedUntilReset = false
    private var sawFirstKey = false
    private let first: UInt32
    private let second: UInt32

    init(first: UInt32 = STM32FlashKey.key1, second: UInt32 = STM32FlashKey.key2) {
        self.first = first
        self.second = second
    }

    /// Returns false when the write was a wrong key (RM0008 3.3.1: "a bus error is generated").
    mutating func write(_ value: UInt32) -> Bool {
        guard !lockedUntilReset else { return false }
        if !sawFirstKey, value == first, locked {
            sawFirstKey = true
            return true
        }
        if sawFirstKey, value == second {
            sawFirstKey = false
            locked = false
            return true
        }
        sawFirstKey = false
        locked = true
        lockedUntilReset = true
        return false
    }

    mutating func lock() {
        locked = true
        sawFirstKey = false
    }
}

/// When a flash operation started and when it ends on the chip's clock: BSY reads 1 until then.
struct FlashBusyTimer {
    private var until: UInt64 = 0

    func isBusy(_ clock: ChipClock) -> Bool { clock.microseconds < until }

    mutating func start(milliseconds: Double, clock: ChipClock) {
        until = clock.microseconds + clock.scaled(milliseconds: milliseconds)
    }

    /// Starts an operation that waits for the one in progress: it ends `milliseconds` after the later of now and
    /// the current end (a bus that stalls while the controller is busy).
    mutating func queue(milliseconds: Double, clock: ChipClock) {
        until = max(until, clock.microseconds) + clock.scaled(milliseconds: milliseconds)
    }

    mutating func clear() { until = 0 }
}
