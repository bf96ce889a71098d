import BoardCatalog
import Flash
import Testing
import USB

@testable import Programmers

/// A PICOBOOT interface that records commands and answers them from a flash array; one command id can be made
/// to stall with a status code, as the ROM does.
final class ScriptedPICOBOOT: PICOBOOTTransport {
    var flash = [UInt8](repeating: 0xFF, count: 64 << 10)
    var sent: [[UInt8]] = []
    var interfaceRequests: [PICOBOOTInterfaceRequest] = []
    var stall: (id: UInt8, code: UInt32)?
    private var pendingIn: [UInt8] = []
    private var pendingWrite: UInt32?
    private var lastToken: UInt32 = 0
    private var lastID: UInt8 = 0

    func send(_ bytes: [UInt8]) throws {
        sent.append(bytes)
        if let address = pendingWrite {
            let offset = Int(address - 0x1000_0000)
            flash.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            pendingWrite = nil
            return
        }
        guard bytes.count == 32 else { return }
        let word = { (at: Int) in (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        lastToken = word(4)
        lastID = bytes[8]
        if let stall, stall.id == bytes[8] { return }
        let address = word(16)
        if bytes[8] == 0x84 {
            let offset = Int(address - 0x1000_0000)
            pendingIn = Array(flash[offset..<(offset + Int(word(20)))])
        } else if bytes[8] == 0x05 {
            pendingWrite = address
        }
    }

    func receive(length: Int) throws -> [UInt8] {
        if let stall, stall.id == lastID { throw USBError.pipe(operation: "bulk IN") }
        defer { pendingIn = [] }
        return pendingIn
    }

    func interfaceRequest(_ request: PICOBOOTInterfaceRequest) throws -> [UInt8] {
        interfaceRequests.append(request)
        guard request == .commandStatus else { return [] }
        let code = stall?.code ?? 0
        return le32(lastToken) + le32(code) + [lastID, 0, 0, 0, 0, 0, 0, 0]
    }
}

struct PICOBOOTProgrammerTests {
    let region = MemoryRegion(name: "flash", kind: .flash, start: 0x1000_0000, size: 64 << 10,
                              sectors: [SectorGroup(size: 4096, count: 16)], writeUnit: 256)

    @Test func opensAsPicotoolDoes() throws {
        let device = ScriptedPICOBOOT()
        try PICOBOOTProgrammer(transport: device, region: region).open()
        #expect(device.interfaceRequests == [.reset])
        #expect(device.sent.map { $0[8] } == [0x01, 0x06])
        #expect(Array(device.sent[0][0..<4]) == [0x0B, 0xD1, 0x1F, 0x43])
        #expect(device.sent[0][9] == 1 && device.sent[0][16] == 1)
    }

    @Test func writeSendsCommandThenDataAndReadsAreAlignedToPages() throws {
        let device = ScriptedPICOBOOT()
        let programmer = PICOBOOTProgrammer(transport: device, region: region)
        let data = (0..<512).map { UInt8(truncatingIfNeeded: $0 * 5) }
        try programmer.program(address: 0x1000_1000, bytes: data)
        #expect(device.sent[0][8] == 0x05 && device.sent[0][9] == 8)
        #expect(Array(device.sent[0][12..<16]) == [0x00, 0x02, 0, 0])
        #expect(device.sent[1] == data)
        let part = try programmer.read(address: 0x1000_1010, count: 20)
        #expect(part == Array(data[16..<36]))
        let read = device.sent[2]
        #expect(read[8] == 0x84 && Array(read[16..<24]) == [0x00, 0x10, 0x00, 0x10, 0x00, 0x01, 0, 0])
        #expect(device.sent.last == [0], "an IN command ends with the host's handshake packet")
    }

    @Test func aStallIsExplainedByTheStatusRecordAndTheInterfaceIsReset() throws {
        let device = ScriptedPICOBOOT()
        device.stall = (0x03, 5)
        let programmer = PICOBOOTProgrammer(transport: device, region: region)
        #expect { try programmer.erase(sector: Sector(index: 1, start: 0x1000_1000, size: 4096)) } throws: { error in
            guard let error = error as? PICOBOOTError, case .commandFailed(_, let address, let status) = error else {
                return false
            }
            return address == 0x1000_1000 && status == "BAD_ALIGNMENT"
                && error.description.contains("failed: the boot ROM answered BAD_ALIGNMENT")
        }
        #expect(device.interfaceRequests == [.commandStatus, .reset])
    }
}
