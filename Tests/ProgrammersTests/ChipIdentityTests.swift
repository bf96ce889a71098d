import BoardCatalog
import Flash
import Foundation
import Testing
import USB

@testable import Programmers

/// One place decides where a board's chip ID comes from, per programmer kind; `uniqueID(reading:)` turns the
/// answer into the ledger's text.
@Suite struct ChipIdentityTests {
    static let boards = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Boards").path

    func identity(_ kind: ProbeKind, board: String, serial: String? = "315A28A0B956") throws -> ChipIdentity {
        let device = USBDeviceInfo(vendorID: 0x0483, productID: 0xDF11, serial: serial)
        return ProgrammerRegistry.chipIdentity(of: DetectedProbe(kind: kind, model: "test", device: device),
                                               board: try BoardCatalog.load(folders: [Self.boards]).board(board))
    }

    @Test func eachKindTakesTheIDFromWhereItCan() throws {
        #expect(try identity(.stlink, board: "stm32f4-discovery") == .memory(address: 0x1FFF_7A10, size: 12))
        #expect(try identity(.cmsisDAP, board: "nrf52840dk") == .memory(address: 0x1000_0060, size: 8))
        #expect(try identity(.stlink, board: "bluepill") == .memory(address: 0x1FFF_F7E8, size: 12))
        #expect(try identity(.dfuse, board: "stm32f4-discovery") == .usbSerial("315A28A0B956"))
        for (kind, board) in [(ProbeKind.usbasp, "uno"), (.picoboot, "pico"), (.dfu, "longan-nano")] {
            guard case .none(let reason) = try identity(kind, board: board) else {
                Issue.record("\(kind) on \(board) should record no chip ID"); continue
            }
            #expect(!reason.isEmpty)
        }
        guard case .none = try identity(.dfuse, board: "stm32f4-discovery", serial: nil) else {
            Issue.record("a DfuSe device without a serial has no chip ID"); return
        }
        guard case .none = try identity(.cmsisDAP, board: "mps2-an386") else {
            Issue.record("a chip file without unique_id_address has no chip ID"); return
        }
    }

    @Test func aMemoryIDReadsAsUpperCaseHexAndBlankIDsAreNone() throws {
        let target = BytesTarget(start: 0x1000_0060, bytes: [0x0A, 0xB1, 0x00, 0xFF, 0x10, 0x20, 0x30, 0x4F])
        #expect(try ChipIdentity.memory(address: 0x1000_0060, size: 8).uniqueID(reading: target) == "0AB100FF1020304F")
        #expect(try ChipIdentity.memory(address: 0x1000_0062, size: 2).uniqueID(reading: target) == "00FF")
        for blank: UInt8 in [0x00, 0xFF] {
            let unset = BytesTarget(start: 0, bytes: [UInt8](repeating: blank, count: 12))
            #expect(try ChipIdentity.memory(address: 0, size: 12).uniqueID(reading: unset) == nil)
        }
        #expect(try ChipIdentity.usbSerial("F4A").uniqueID(reading: target) == "F4A")
        #expect(try ChipIdentity.none(reason: "x").uniqueID(reading: target) == nil)
    }
}

/// Readable bytes from `start`; nothing is ever written.
private final class BytesTarget: FlashTarget {
    let start: UInt64
    let bytes: [UInt8]
    let capabilities = FlashCapabilities(maxTransferSize: 64)

    init(start: UInt64, bytes: [UInt8]) {
        self.start = start
        self.bytes = bytes
    }

    func read(address: UInt64, count: Int) throws -> [UInt8] {
        Array(bytes[Int(address - start)..<(Int(address - start) + count)])
    }

    func erase(sector: Sector) throws { throw FlashError.unsupported("read-only") }
    func massErase() throws { throw FlashError.unsupported("read-only") }
    func program(address: UInt64, bytes: [UInt8]) throws { throw FlashError.unsupported("read-only") }
}
