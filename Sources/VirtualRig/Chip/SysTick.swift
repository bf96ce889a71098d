/// The SysTick timer (ARMv7-M B3.3) as far as a delay loop needs it: CTRL, LOAD, VAL, CALIB and COUNTFLAG.
///
/// There is no cycle-exact clock in the emulator, so time advances in core cycles estimated by the chip: each
/// read of CTRL or VAL counts as `cyclesPerPoll` (a polling loop's cost), and a finished run slice adds its
/// instructions. No exception is taken when TICKINT is set (the emulator has no NVIC).
final class SysTick: MMIODevice {
    static let enable: UInt32 = 1 << 0, tickInterrupt: UInt32 = 1 << 1, clockSource: UInt32 = 1 << 2
    static let countFlag: UInt32 = 1 << 16

    var cyclesPerPoll: UInt64 = 8
    /// Called when the counter reaches 0 with TICKINT set: the SysTick exception becomes pending.
    var onInterrupt: (() -> Void)?

    /// Cycles until the next wrap when the counter would raise an exception, so a run can stop there.
    var cyclesUntilInterrupt: UInt64? {
        guard control & Self.enable != 0, control & Self.tickInterrupt != 0 else { return nil }
        let ticks = UInt64(current == 0 ? reload + 1 : current)
        return control & Self.clockSource != 0 ? ticks : ticks * 8
    }
    private let calibration: UInt32
    private var control: UInt32 = 0
    private var reload: UInt32 = 0
    private var current: UInt32 = 0
    private var counted = false

    /// `calibration` is SYST_CALIB (STM32F1: TENMS 9000 at HCLK/8 = 9 MHz).
    init(calibration: UInt32) {
        self.calibration = calibration
    }

    func reset() {
        control = 0
        reload = 0
        current = 0
        counted = false
    }

    /// Counts `cycles` down, reloading from LOAD and setting COUNTFLAG on each wrap to 0.
    func advance(cycles: UInt64) {
        guard control & Self.enable != 0, cycles > 0 else { return }
        let cycles = control & Self.clockSource != 0 ? cycles : cycles / 8
        if cycles < UInt64(current) {
            current -= UInt32(cycles)
            return
        }
        counted = true
        if control & Self.tickInterrupt != 0 { onInterrupt?() }
        if cycles == UInt64(current) {
            current = 0
            return
        }
        let period = UInt64(reload) + 1
        let past = (cycles - UInt64(current)) % period
        current = past == 0 ? 0 : reload - UInt32(past - 1)
    }

    func readWord(_ offset: UInt32) -> UInt32? {
        switch offset {
        case 0x0:
            advance(cycles: cyclesPerPoll)
            // COUNTFLAG clears when CTRL is read (ARMv7-M B3.3.3).
            defer { counted = false }
            return control | (counted ? Self.countFlag : 0)
        case 0x4: return reload
        case 0x8:
            advance(cycles: cyclesPerPoll)
            return current
        case 0xC: return calibration
        default: return 0
        }
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        switch offset {
        case 0x0:
            let wasEnabled = control & Self.enable != 0
            control = value & (Self.enable | Self.tickInterrupt | Self.clockSource)
            // Enabling loads the counter from LOAD on the next clock (ARMv7-M B3.3.1).
            if !wasEnabled, control & Self.enable != 0, current == 0 { current = reload }
        case 0x4:
            reload = value & 0x00FF_FFFF
        case 0x8:
            // Any write clears VAL and COUNTFLAG.
            current = 0
            counted = false
        default:
            break
        }
        return true
    }
}
