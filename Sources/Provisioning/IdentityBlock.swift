import Flash

/// The bytes of one unit's identity as the firmware reads them at run time (layout version 1, little-endian).
///
/// ```
/// offset size  field
///  0      4    magic "ATID" (41 54 49 44)
///  4      2    version, 1
///  6      2    header size, 16
///  8      4    payload length N
/// 12      4    CRC-32 (IEEE 802.3, as zlib) of header bytes 0..<12 followed by the N payload bytes
/// 16      N    records: tag (1 byte), length L (1 byte), L value bytes
/// 16+N         0xFF up to a multiple of 16, so the block ends on any flash write unit
/// ```
/// Tags: 0x01 serial (UTF-8), 0x02 MAC (6 bytes, first octet first), 0x10/0x11 P-256 private key (32-byte
/// scalar) / public key (65-byte X9.63), 0x12/0x13 Ed25519 private key / public key (32 bytes each),
/// 0x20 a value: name length (1 byte), name, then the value text.
public struct IdentityBlock: Equatable, Sendable {
    public static let magic: [UInt8] = Array("ATID".utf8)
    public static let version: UInt16 = 1
    public static let headerSize = 16
    public static let alignment = 16

    enum Tag: UInt8 {
        case serial = 0x01
        case mac = 0x02
        case p256Private = 0x10
        case p256Public = 0x11
        case ed25519Private = 0x12
        case ed25519Public = 0x13
        case value = 0x20
    }

    public var serial: String
    public var mac: MACAddress?
    public var key: KeyPair?
    public var values: [UnitValue]

    public init(serial: String, mac: MACAddress? = nil, key: KeyPair? = nil, values: [UnitValue] = []) {
        self.serial = serial
        self.mac = mac
        self.key = key
        self.values = values
    }

    /// The encoded block, padded; throws when a record is longer than 255 bytes.
    public func encoded() throws(ProvisioningError) -> [UInt8] {
        var payload: [UInt8] = []
        func record(_ tag: Tag, _ bytes: [UInt8]) throws(ProvisioningError) {
            guard bytes.count <= 255 else {
                throw .invalidBlock("record 0x\(String(tag.rawValue, radix: 16)) is \(bytes.count) bytes, above 255")
            }
            payload += [tag.rawValue, UInt8(bytes.count)] + bytes
        }
        try record(.serial, Array(serial.utf8))
        if let mac { try record(.mac, mac.bytes) }
        if let key {
            let tags: (Tag, Tag) = key.algorithm == .p256
                ? (.p256Private, .p256Public) : (.ed25519Private, .ed25519Public)
            try record(tags.0, key.privateKey)
            try record(tags.1, key.publicKey)
        }
        for value in values {
            // Checked here, not by `record`: the name's length byte would trap first.
            guard let nameLength = UInt8(exactly: value.name.utf8.count) else {
                throw .invalidBlock("value name '\(value.name.prefix(16))…' is \(value.name.utf8.count) bytes, above 255")
            }
            try record(.value, [nameLength] + Array(value.name.utf8) + Array(value.value.utf8))
        }
        var header = Self.magic
        header += Self.littleEndian(UInt64(Self.version), 2) + Self.littleEndian(UInt64(Self.headerSize), 2)
        header += Self.littleEndian(UInt64(payload.count), 4)
        let crc = FlashChecksum.crc32(header + payload)
        var block = header + Self.littleEndian(UInt64(crc), 4) + payload
        block += [UInt8](repeating: 0xFF, count: (Self.alignment - block.count % Self.alignment) % Self.alignment)
        return block
    }

    /// Decodes a block read from a device; `bytes` may run past the block's end.
    public init(decoding bytes: [UInt8]) throws(ProvisioningError) {
        guard bytes.count >= Self.headerSize, Array(bytes[0..<4]) == Self.magic else {
            throw .invalidBlock("no 'ATID' magic at the block address")
        }
        let version = Self.integer(bytes, at: 4, size: 2)
        guard version == UInt64(Self.version) else { throw .invalidBlock("layout version \(version) is not 1") }
        let length = Int(Self.integer(bytes, at: 8, size: 4))
        guard length <= bytes.count - Self.headerSize else {
            throw .invalidBlock("payload length \(length) runs past the \(bytes.count) bytes read")
        }
        let payload = Array(bytes[Self.headerSize..<(Self.headerSize + length)])
        let stored = UInt32(Self.integer(bytes, at: 12, size: 4))
        guard FlashChecksum.crc32(Array(bytes[0..<12]) + payload) == stored else {
            throw .invalidBlock("CRC-32 mismatch (a partial write, or a block of another layout)")
        }
        try self.init(records: payload)
    }

    private init(records payload: [UInt8]) throws(ProvisioningError) {
        var serial: String?
        var mac: MACAddress?
        var privateKey: (KeyAlgorithm, [UInt8])?
        var publicKey: [UInt8]?
        var values: [UnitValue] = []
        var offset = 0
        while offset + 2 <= payload.count {
            let tag = payload[offset]
            let length = Int(payload[offset + 1])
            guard offset + 2 + length <= payload.count else { throw .invalidBlock("record 0x\(tag) is cut short") }
            let value = Array(payload[(offset + 2)..<(offset + 2 + length)])
            offset += 2 + length
            switch Tag(rawValue: tag) {
            case .serial: serial = String(decoding: value, as: UTF8.self)
            case .mac: mac = MACAddress(value.reduce(0) { $0 << 8 | UInt64($1) })
            case .p256Private: privateKey = (.p256, value)
            case .ed25519Private: privateKey = (.curve25519, value)
            case .p256Public, .ed25519Public: publicKey = value
            case .value:
                // An empty name is no name; `1...0` below would trap on it.
                guard let nameLength = value.first.map(Int.init), nameLength > 0, nameLength < value.count else {
                    throw .invalidBlock("a value record has no name")
                }
                values.append(UnitValue(name: String(decoding: value[1...nameLength], as: UTF8.self),
                                        value: String(decoding: value[(nameLength + 1)...], as: UTF8.self)))
            case nil: continue  // A later layout's record: skipped, so old tools read new blocks.
            }
        }
        guard let serial else { throw .invalidBlock("no serial record") }
        self.serial = serial
        self.mac = mac
        self.values = values
        if let (algorithm, secret) = privateKey, let publicKey {
            key = KeyPair(algorithm: algorithm, privateKey: secret, publicKey: publicKey)
        } else {
            key = nil
        }
    }

    static func littleEndian(_ value: UInt64, _ size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func integer(_ bytes: [UInt8], at offset: Int, size: Int) -> UInt64 {
        (0..<size).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
    }
}

/// A named per-unit value, from the batch's CSV.
public struct UnitValue: Equatable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
