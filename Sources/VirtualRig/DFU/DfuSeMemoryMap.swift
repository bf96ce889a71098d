import BoardCatalog

/// The alternate settings an STM32 ROM bootloader offers, built from the chip file: the internal flash from
/// its `flash` region and sector map, plus the system areas its flash controller family has.
///
/// Values for STM32F4 follow the F407 Discovery dump in `dfu-dfuse.md` section 8; STM32F1 follows the F107
/// dump there. The option-byte contents are the factory defaults of the reference manuals (RM0090, RM0008).
enum DfuSeMemoryMap {
    static func segments(for chip: Chip, flash: VirtualFlash) -> [DfuSeSegment] {
        var segments = [DfuSeSegment(flash: flash)]
        switch chip.flashController {
        case "stm32f4":
            // RDP level 0 (0xAA), USER 0xEC, no write protection (nWRP bits set), each with its complement.
            let options: [UInt8] = [0xEC, 0xAA, 0x13, 0x55, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00, 0xF0,
                                    0xFF, 0xFF, 0xFF, 0xFF]
            segments.append(DfuSeSegment(name: "Option Bytes  ", start: 0x1FFF_C000, groups: [(1, 16)],
                                         byteMultiplier: " ", storage: .bytes(options)))
            if let otp = chip.memory.first(where: { $0.name == "otp" }) {
                // 512 bytes of one-time data followed by the 16 lock bytes, as two sector groups.
                let groups: [(count: Int, size: UInt64)] =
                    otp.size > 16 ? [(1, otp.size - 16), (1, 16)] : [(1, otp.size)]
                segments.append(DfuSeSegment(name: "OTP Memory ", start: otp.start, groups: groups,
                                             byteMultiplier: " ",
                                             storage: .bytes([UInt8](repeating: 0xFF, count: Int(otp.size)))))
            }
            segments.append(DfuSeSegment(name: "Device Feature", start: 0xFFFF_0000, groups: [(1, 4)],
                                         byteMultiplier: " ", storage: .bytes([0xFF, 0xFF, 0xFF, 0xFF])))
        case "stm32f1":
            // RDP 0xA5 (unprotected), USER, DATA0/1 and WRP0..3 erased, each byte followed by its complement.
            let options: [UInt8] = [0xA5, 0x5A] + Array([[UInt8]](repeating: [0xFF, 0x00], count: 7).joined())
            segments.append(DfuSeSegment(name: "Option Bytes  ", start: 0x1FFF_F800, groups: [(1, 16)],
                                         byteMultiplier: " ", storage: .bytes(options)))
        default:
            break
        }
        return segments
    }
}
