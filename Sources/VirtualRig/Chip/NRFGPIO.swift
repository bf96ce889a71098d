/// Nordic GPIO ports P0 and P1 (nRF52840 PS 6.9.2; P1's registers are P0's moved up by 0x300): OUT, OUTSET and
/// OUTCLR writes become pin events named like the board files name them, `P0.13`. IN reads back the outputs.
final class NRFGPIO: MMIODevice {
    enum Register {
        static let out: UInt32 = 0x504, outSet: UInt32 = 0x508, outClear: UInt32 = 0x50C, input: UInt32 = 0x510
    }

    private let registers = RegisterFile()
    private var outputs: [UInt32] = [0, 0]
    var onPinChange: ((String, Bool) -> Void)?

    func reset() {
        registers.reset()
        outputs = [0, 0]
    }

    /// The port and its register offset for an offset from 0x50000000.
    private func decode(_ offset: UInt32) -> (port: Int, register: UInt32) {
        offset >= 0x800 ? (1, offset - 0x300) : (0, offset)
    }

    func readWord(_ offset: UInt32) -> UInt32? {
        let (port, register) = decode(offset)
        switch register {
        case Register.out, Register.outSet, Register.outClear, Register.input: return outputs[port]
        default: return registers.readWord(offset)
        }
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        let (port, register) = decode(offset)
        let output = outputs[port]
        switch register {
        case Register.out: update(port, output & ~mask | value & mask)
        case Register.outSet: update(port, output | value & mask)
        case Register.outClear: update(port, output & ~(value & mask))
        default: return registers.writeWord(offset, value: value, mask: mask)
        }
        return true
    }

    private func update(_ port: Int, _ new: UInt32) {
        let changed = outputs[port] ^ new
        outputs[port] = new
        for pin in 0..<32 where changed & (1 << pin) != 0 {
            onPinChange?("P\(port).\(pin)", new & (1 << pin) != 0)
        }
    }
}
