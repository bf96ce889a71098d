/// The USBasp vendor requests (bRequest), in the firmware's numbering (picoboot-usbasp.md B2, from avrdude
/// 7.1 `usbasp.h` and T. Fischl's `firmware/main.c`). TPI requests (11–16) are not modelled: the ATmega328P is
/// an ISP part.
public enum USBaspRequest: UInt8, Sendable {
    case connect = 1
    case disconnect = 2
    case transmit = 3
    case readFlash = 4
    case enableProg = 5
    case writeFlash = 6
    case readEEPROM = 7
    case writeEEPROM = 8
    case setLongAddress = 9
    case setISPSCK = 10
    case getCapabilities = 127
}
