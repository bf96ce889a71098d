/// STM32 reset and clock control, only so clock setup code finishes: each oscillator or PLL reports ready as soon
/// as it is switched on, and the system clock switch status follows the request (RM0008 7.3, RM0090 6.3).
/// Everything else is plain storage.
final class STM32RCC: MMIODevice {
    private let configurationOffset: UInt32
    private let registers = RegisterFile(resetValues: [0: 0x0000_0083])

    /// `configurationOffset` is RCC_CFGR: 0x04 on F1, 0x08 on F4.
    init(configurationOffset: UInt32) {
        self.configurationOffset = configurationOffset
    }

    func reset() { registers.reset() }

    func readWord(_ offset: UInt32) -> UInt32? {
        let value = registers.readWord(offset) ?? 0
        switch offset {
        case 0:
            // HSION->HSIRDY, HSEON->HSERDY, PLLON->PLLRDY, PLLI2SON->PLLI2SRDY, PLLSAION->PLLSAIRDY.
            let on: UInt32 = 1 << 0 | 1 << 16 | 1 << 24 | 1 << 26 | 1 << 28
            return value | (value & on) << 1
        case configurationOffset:
            return value & ~0xC | (value & 0x3) << 2
        default:
            return value
        }
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        registers.writeWord(offset, value: value, mask: mask)
    }
}
