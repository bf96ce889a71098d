/// The STM32 MCU debug component (RM0008 31.16, RM0090 38.16): the part's IDCODE and the freeze bits a probe
/// sets. DBGMCU_CR keeps its value over a system reset, as it is only reset by power-on.
final class DBGMCU: MMIODevice {
    private let idCode: UInt32
    private let registers = RegisterFile()

    init(idCode: UInt32) {
        self.idCode = idCode
    }

    func readWord(_ offset: UInt32) -> UInt32? {
        offset == 0 ? idCode : registers.readWord(offset)
    }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        offset == 0 ? true : registers.writeWord(offset, value: value, mask: mask)
    }
}
