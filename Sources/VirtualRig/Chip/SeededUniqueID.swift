import BoardCatalog

/// The factory unique ID of an emulated chip: fixed by the chip id and the device's place in the rig (its state
/// name), so a saved state and a fresh run agree, two boards differ, and every model of that device (the chip
/// behind a probe, a ROM bootloader's USB serial) derives the same identity.
public struct SeededUniqueID: Sendable, Equatable {
    public let seed: UInt32

    /// FNV-1a of the chip id and `place`; with an empty place, the value earlier states were made with.
    public init(chip: String, place: String) {
        var seed: UInt32 = 0x811C_9DC5
        let text = place.isEmpty ? chip : chip + "/" + place
        for byte in text.utf8 { seed = (seed ^ UInt32(byte)) &* 0x0100_0193 }
        self.seed = seed
    }

    /// The two FICR DEVICEID words of a Nordic chip (DEVICEID[0], DEVICEID[1]).
    public var nordicDeviceID: (UInt32, UInt32) { (seed, seed &* 0x9E37_79B9 ^ 0x5A5A_A5A5) }

    /// The ID as the chip's memory holds it at `unique_id_address`: `size` bytes (the YAML's `unique_id_size`).
    /// A Nordic chip's are its DEVICEID words, little-endian, so the FICR model and this agree.
    public func bytes(for chip: Chip) -> [UInt8] {
        let size = chip.debug?.uniqueID?.size ?? DebugIdentity.defaultUniqueIDSize
        if chip.flashController?.hasPrefix("nrf") == true {
            let words = VirtualChip.littleEndian(nordicDeviceID.0) + VirtualChip.littleEndian(nordicDeviceID.1)
            return Array((words + [UInt8](repeating: 0xFF, count: max(0, size - words.count))).prefix(size))
        }
        return (0..<size).map { UInt8(truncatingIfNeeded: Self.mix(seed &+ UInt32($0) &* 0x9E37_79B9)) }
    }

    /// MurmurHash3's 32-bit finaliser: every bit of the input reaches every bit of the output. A plain multiply
    /// and shift let seeds that differ only in high bits (state names that differ in their last character) give
    /// two boards the same ID.
    static func mix(_ value: UInt32) -> UInt32 {
        var x = value
        x = (x ^ (x >> 16)) &* 0x85EB_CA6B
        x = (x ^ (x >> 13)) &* 0xC2B2_AE35
        return x ^ (x >> 16)
    }

    /// The USB serial the STM32 system bootloader builds from its 96-bit UID: the sum of the first and third
    /// little-endian words as 8 hex digits, then the top half of the second word as 4 (12 upper-case digits,
    /// the form dfu-util lists; the same recipe ST's USB device library uses, so firmware can match it).
    public static func stm32BootloaderSerial(uid: [UInt8]) -> String {
        let word = { (index: Int) -> UInt32 in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(uid.count > index * 4 + $1 ? uid[index * 4 + $1] : 0) << (8 * $1) }
        }
        return String(format: "%08X%04X", word(0) &+ word(2), word(1) >> 16)
    }
}
