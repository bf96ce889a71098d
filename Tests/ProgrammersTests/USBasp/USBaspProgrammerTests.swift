import BoardCatalog
import Flash
import Testing
import USB

@testable import Programmers

/// A USBasp reduced to the firmware's address pointer and a flash array, recording every request.
final class ScriptedUSBasp: USBaspTransport {
    var memory = [UInt8](repeating: 0xFF, count: 32 << 10)
    var requests: [(USBaspRequest, [UInt8])] = []
    var sckReply: [UInt8] = [0]
    var enableReply: [UInt8] = [0]
    var signature: [UInt8] = [0x1E, 0x95, 0x0F]
    private var pointer = 0

    func controlIn(_ request: USBaspRequest, send: [UInt8], length: Int) throws -> [UInt8] {
        requests.append((request, send))
        switch request {
        case .setISPSCK: return sckReply
        case .enableProg: return enableReply
        case .transmit:
            return send[0] == 0x30 ? [0, 0x30, 0, signature[Int(send[2])]] : [0, send[0], send[1], 0]
        case .setLongAddress:
            pointer = Int(send[0]) | Int(send[1]) << 8 | Int(send[2]) << 16
            return []
        case .readFlash:
            defer { pointer += length }
            return Array(memory[pointer..<(pointer + length)])
        default: return []
        }
    }

    func controlOut(_ request: USBaspRequest, send: [UInt8], data: [UInt8]) throws {
        requests.append((request, send))
        for (index, byte) in data.enumerated() { memory[pointer + index] &= byte }
        pointer += data.count
    }

    func count(_ request: USBaspRequest) -> Int { requests.filter { $0.0 == request }.count }
}

struct USBaspProgrammerTests {
    let region = MemoryRegion(name: "flash", kind: .flash, start: 0, size: 32 << 10,
                              sectors: [SectorGroup(size: 128, count: 256)], writeUnit: 128,
                              massEraseMilliseconds: 9)

    func programmer(_ device: ScriptedUSBasp) -> USBaspProgrammer {
        let programmer = USBaspProgrammer(transport: device, region: region)
        programmer.sleep = { _ in }
        return programmer
    }

    @Test func declaresChipEraseOnlyAndPageSizedTransfers() {
        let capabilities = programmer(ScriptedUSBasp()).capabilities
        #expect(!capabilities.canEraseSectors && capabilities.canMassErase && capabilities.maxTransferSize == 128)
    }

    @Test func connectsLikeAvrdudeAndReadsTheSignature() throws {
        let device = ScriptedUSBasp()
        let programmer = programmer(device)
        try programmer.connect()
        #expect(device.requests.map(\.0) == [.setISPSCK, .connect, .enableProg])
        #expect(try programmer.signature() == [0x1E, 0x95, 0x0F])
    }

    @Test func aSilentTargetOrAnOldFirmwareIsNamed() throws {
        let silent = ScriptedUSBasp()
        silent.enableReply = [1]
        #expect(throws: USBaspError.self) { try programmer(silent).connect() }
        let old = ScriptedUSBasp()
        old.sckReply = []
        #expect { try programmer(old).connect() } throws: { error in
            "\(error)".contains("update its firmware")
        }
    }

    @Test func writesWholePagesWithFirstAndLastAndReadsSequentiallyWithOneAddress() throws {
        let device = ScriptedUSBasp()
        let programmer = programmer(device)
        let page = (0..<256).map { UInt8(truncatingIfNeeded: $0 * 3) }
        try programmer.program(address: 0x200, bytes: page)
        let writes = device.requests.filter { $0.0 == .writeFlash }.map(\.1)
        #expect(writes == [[0x00, 0x02, 0x80, 0x03], [0x80, 0x02, 0x80, 0x03]])
        #expect(device.count(.setLongAddress) == 1)
        #expect(try programmer.read(address: 0x200, count: 128) + programmer.read(address: 0x280, count: 128) == page)
        #expect(device.count(.setLongAddress) == 2, "reads continue where the pointer stands")
        #expect(Array(device.memory[0x200..<0x300]) == page)
    }

    @Test func chipEraseReinitializesAndPageEraseIsRefused() throws {
        let device = ScriptedUSBasp()
        let programmer = programmer(device)
        try programmer.massErase()
        #expect(device.requests.first?.1 == [0xAC, 0x80, 0x00, 0x00])
        #expect(device.count(.enableProg) == 1)
        #expect(throws: USBaspError.self) { try programmer.erase(sector: Sector(index: 0, start: 0, size: 128)) }
    }

    @Test func aWrongSignatureSaysBothAndHowToOverride() {
        let error = USBaspError.wrongChip(board: "uno", expected: [0x1E, 0x95, 0x0F], got: [0x1E, 0x95, 0x14])
        #expect(error.description == "the AVR's signature is 0x1E 0x95 0x14 but board 'uno' has 0x1E 0x95 0x0F; "
            + "check --board, or pass --force to flash anyway")
    }
}
