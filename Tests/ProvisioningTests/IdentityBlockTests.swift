import BoardCatalog
import Flash
import Foundation
import Testing
@testable import Provisioning

struct IdentityBlockTests {
    static let key = KeyPair(algorithm: .p256, privateKey: [UInt8](repeating: 0x11, count: 32),
                             publicKey: [0x04] + [UInt8](repeating: 0x22, count: 64))

    @Test func theHeaderIsMagicVersionSizeLengthAndCRC() throws {
        let block = try IdentityBlock(serial: "AB").encoded()
        // Payload: serial record 01 02 'A' 'B'; then 0xFF up to 16-byte alignment.
        let payload: [UInt8] = [0x01, 0x02, 0x41, 0x42]
        let header: [UInt8] = [0x41, 0x54, 0x49, 0x44, 0x01, 0x00, 0x10, 0x00, 0x04, 0x00, 0x00, 0x00]
        let crc = FlashChecksum.crc32(header + payload)
        let crcBytes = (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
        #expect(block == header + crcBytes + payload + [UInt8](repeating: 0xFF, count: 12))
        #expect(block.count == 32)
    }

    @Test func everyFieldSurvivesTheRoundTrip() throws {
        let original = IdentityBlock(serial: "AT-2026-000001", mac: MACAddress(parsing: "02:A7:00:00:00:01"),
                                     key: Self.key, values: [UnitValue(name: "gain", value: "1.02")])
        let bytes = try original.encoded()
        #expect(bytes.count % 16 == 0)
        // Trailing flash after the block does not matter.
        #expect(try IdentityBlock(decoding: bytes + [UInt8](repeating: 0xFF, count: 100)) == original)
    }

    /// Each damage and the refusal it must cause.
    static let damages: [(name: String, damage: @Sendable ([UInt8]) -> [UInt8], reason: String)] = [
        ("erased flash", { $0.map { _ in 0xFF } }, "no 'ATID' magic at the block address"),
        ("a flipped payload bit", { var b = $0; b[18] ^= 1; return b },
         "CRC-32 mismatch (a partial write, or a block of another layout)"),
        ("version 2", { var b = $0; b[4] = 2; return b }, "layout version 2 is not 1"),
        ("a cut read", { Array($0.prefix(20)) }, "payload length 107 runs past the 20 bytes read"),
    ]

    @Test(arguments: 0..<damages.count) func aDamagedBlockIsRefused(_ index: Int) throws {
        let bytes = try IdentityBlock(serial: "AT-1", key: Self.key).encoded()
        let (_, damage, reason) = Self.damages[index]
        #expect(throws: ProvisioningError.invalidBlock(reason)) { try IdentityBlock(decoding: damage(bytes)) }
    }

    /// Blocks that once crashed the decoder or the encoder, kept under Tests/Fixtures/fuzz/identity.
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz/identity/\(name)")
        return [UInt8](try Data(contentsOf: url))
    }

    @Test func aValueRecordWithAnEmptyNameIsRefusedNotATrap() throws {
        let bytes = try Self.fixture("value-with-empty-name.bin")
        #expect(throws: ProvisioningError.invalidBlock("a value record has no name")) {
            try IdentityBlock(decoding: bytes)
        }
    }

    @Test func aNameThatGrowsPast255BytesWhenRepairedCannotBeEncodedAndSaysSo() throws {
        // 100 bytes that are not UTF-8 decode to 100 replacement characters, 300 bytes: too long for the length byte.
        let block = try IdentityBlock(decoding: try Self.fixture("name-not-utf8.bin"))
        #expect(block.values.first?.name.utf8.count == 300)
        let error = #expect(throws: ProvisioningError.self) { try block.encoded() }
        #expect(error?.description.contains("is 300 bytes, above 255") == true)
    }

    @Test func generatedKeysMatchTheirPublicHalvesAndNeverPrintTheSecret() throws {
        for algorithm in KeyAlgorithm.allCases {
            let pair = KeyPair.generate(algorithm)
            #expect(pair.privateKey.count == 32)
            #expect(pair.publicKey.count == (algorithm == .p256 ? 65 : 32))
            #expect(pair.fingerprint.count == 64)
            let secret = pair.privateKey.map { String(format: "%02x", $0) }.joined()
            #expect(!"\(pair)".contains(secret))
            #expect(!String(decoding: try JSONEncoder().encode(pair.publicRecord), as: UTF8.self).contains(secret))
        }
    }

    @Test func theFactoryAdvancesTheMACWithTheCounterAndStopsAtTheEnds() throws {
        let batch = try Batch.parse("""
            board: b
            image: fw
            count: 3
            identity:
              serial: {format: "S{seq:03}", first: 5, last: 7}
              mac: {first: "02:00:00:00:00:FE", last: "02:00:00:00:01:00"}
            """, file: "b.yaml", defaultName: "b") { (_) throws(ProvisioningError) in "" }
        let factory = IdentityFactory(batch: batch)
        let now = Date()
        #expect(try factory.allocation(sequence: 5, date: now) == ("S005", "02:00:00:00:00:FE") as (String, String?))
        #expect(try factory.allocation(sequence: 7, date: now).mac == "02:00:00:00:01:00")
        #expect(throws: ProvisioningError.exhausted("the serial counter (5...7)")) {
            _ = try factory.allocation(sequence: 8, date: now)
        }
    }

    @Test func theBlockGoesToTheLastSectorUnlessTheBatchSaysWhere() throws {
        let memory = MemoryFlashTarget.memory
        let line = SourceLocation(file: "b.yaml", line: 7)
        func place(_ address: UInt64?) throws(ProvisioningError) -> (UInt64, Int) {
            try IdentityFactory.placement(address: address, memory: memory, location: line)
        }
        #expect(try place(nil) == (0x0800_F000, 0x1000))
        #expect(try place(0x0800_8100) == (0x0800_8100, 0xF00))
        let unaligned = "identity address is not a multiple of the flash write unit 4"
        #expect(throws: ProvisioningError.invalidBatch(line, unaligned)) {
            try place(0x0800_8102)
        }
        #expect(throws: ProvisioningError.invalidBatch(
            line, "identity address 0x20000000 is not in the board's flash; pick one in a flash region")) {
            try place(0x2000_0000)
        }
    }
}
