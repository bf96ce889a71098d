/// Where the unique ID of the chip behind a programmer comes from. The programmer registry picks one per probe
/// kind and board; `uniqueID(reading:)` turns it into the text the provisioning ledger records.
public enum ChipIdentity: Sendable, Equatable {
    /// Factory ID registers the programmer reads like memory (STM32 U_ID, nRF FICR DEVICEID): `size` bytes.
    case memory(address: UInt64, size: Int)
    /// A ROM bootloader that builds its USB serial from the chip's unique ID (the STM32 system bootloader): the
    /// serial is the chip's identity as far as the host can tell.
    case usbSerial(String)
    /// No unique ID reachable through this programmer; `reason` says why, for help texts and logs.
    case none(reason: String)

    /// The ID as upper-case hex (`memory`), the serial as given (`usbSerial`), or nil. An ID that reads all ones or
    /// all zeros is no identity (unprogrammed or unmapped), so such chips are not told apart rather than refused.
    public func uniqueID(reading target: FlashTarget) throws -> String? {
        switch self {
        case .memory(let address, let size):
            let bytes = try target.read(address: address, count: size)
            guard bytes.contains(where: { $0 != 0xFF }), bytes.contains(where: { $0 != 0 }) else { return nil }
            return bytes.map { byte in
                let text = String(byte, radix: 16, uppercase: true)
                return byte < 0x10 ? "0" + text : text
            }.joined()
        case .usbSerial(let serial):
            return serial.isEmpty ? nil : serial
        case .none:
            return nil
        }
    }
}
