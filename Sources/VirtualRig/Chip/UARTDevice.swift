/// A UART seen from the firmware: the transmitter is always empty and every byte written to the data register
/// becomes console output. STM32 USARTs (RM0008 27.6, RM0090 30.6) have SR at 0x00 (TXE bit 7, TC bit 6) and DR
/// at 0x04; a board's `console.dataRegister` alone gets a device with only its data register.
final class UARTDevice: MMIODevice {
    private let statusOffset: UInt32?
    private let dataOffset: UInt32
    private let registers = RegisterFile()
    var onByte: ((UInt8) -> Void)?

    init(statusOffset: UInt32?, dataOffset: UInt32) {
        self.statusOffset = statusOffset
        self.dataOffset = dataOffset
    }

    func reset() { registers.reset() }

    func readWord(_ offset: UInt32) -> UInt32? {
        if offset == statusOffset { return 0xC0 }
        if offset == dataOffset { return 0 }
        return registers.readWord(offset)
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        if offset == dataOffset {
            let byte = UInt8(truncatingIfNeeded: (value & mask) >> UInt32(mask.trailingZeroBitCount))
            onByte?(byte)
            return true
        }
        return registers.writeWord(offset, value: value, mask: mask)
    }
}
