/// USBasp vendor requests (picoboot-usbasp.md B2, from avrdude 7.1 `usbasp.h`): bRequest values in the
/// firmware's order. All go to the device with bmRequestType vendor; the four "send" bytes of a request travel
/// as wValue = send[1] << 8 | send[0] and wIndex = send[3] << 8 | send[2] (B1).
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

/// The ATmega serial programming instructions the driver sends through TRANSMIT (B4: the datasheet's
/// "Serial Programming Instruction Set"). Read data comes back in the fourth reply byte.
public enum ISPInstruction {
    public static let programmingEnable: [UInt8] = [0xAC, 0x53, 0x00, 0x00]
    public static let chipErase: [UInt8] = [0xAC, 0x80, 0x00, 0x00]

    public static func readSignature(_ index: UInt8) -> [UInt8] { [0x30, 0x00, index & 0x03, 0x00] }

    public static let readLowFuse: [UInt8] = [0x50, 0x00, 0x00, 0x00]
    public static let readHighFuse: [UInt8] = [0x58, 0x08, 0x00, 0x00]
    public static let readExtendedFuse: [UInt8] = [0x50, 0x08, 0x00, 0x00]
    public static let readLockBits: [UInt8] = [0x58, 0x00, 0x00, 0x00]
}

/// WRITEFLASH block flags in wIndex's high byte (B2): FIRST starts the firmware's page counter, LAST writes
/// a partly loaded page at the end of the block.
public struct USBaspBlockFlags: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let first = USBaspBlockFlags(rawValue: 1)
    public static let last = USBaspBlockFlags(rawValue: 2)
}
