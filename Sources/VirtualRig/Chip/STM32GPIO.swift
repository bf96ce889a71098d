/// One STM32 GPIO port's output registers: ODR, BSRR (and BRR on F1) writes become pin events.
///
/// F1 ports (RM0008 9.2) are at 0x40010800 + 0x400 * n with ODR 0x0C, BSRR 0x10, BRR 0x14; F4 ports (RM0090 8.4)
/// at 0x40020000 + 0x400 * n with ODR 0x14, BSRR 0x18. IDR reads back the outputs (no external drivers).
final class STM32GPIO: MMIODevice {
    struct Layout {
        let idr: UInt32, odr: UInt32, bsrr: UInt32, brr: UInt32?
        static let f1 = Layout(idr: 0x08, odr: 0x0C, bsrr: 0x10, brr: 0x14)
        static let f4 = Layout(idr: 0x10, odr: 0x14, bsrr: 0x18, brr: nil)
    }

    let port: Character
    private let layout: Layout
    private let registers = RegisterFile()
    private var output: UInt32 = 0
    /// (pin name like "PC13", level) for every output bit that changed.
    var onPinChange: ((String, Bool) -> Void)?

    init(port: Character, layout: Layout) {
        self.port = port
        self.layout = layout
    }

    func reset() {
        registers.reset()
        output = 0
    }

    func readWord(_ offset: UInt32) -> UInt32? {
        switch offset {
        case layout.idr, layout.odr: return output
        case layout.bsrr, layout.brr: return 0
        default: return registers.readWord(offset)
        }
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        switch offset {
        case layout.odr:
            update((output & ~mask | value & mask) & 0xFFFF)
        case layout.bsrr:
            // Set wins over reset when both bits are written (RM0008 9.2.5).
            let bits = value & mask
            update((output & ~(bits >> 16) | bits) & 0xFFFF)
        case layout.brr:
            update(output & ~(value & mask & 0xFFFF))
        default:
            return registers.writeWord(offset, value: value, mask: mask)
        }
        return true
    }

    private func update(_ new: UInt32) {
        let changed = output ^ new
        output = new
        guard changed != 0 else { return }
        for pin in 0..<16 where changed & (1 << pin) != 0 {
            onPinChange?("P\(port)\(pin)", new & (1 << pin) != 0)
        }
    }
}
