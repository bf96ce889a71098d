import BoardCatalog
import Testing
import USB

@testable import Programmers

@Suite struct CMSISDAPCommandTests {
    @Test func transfersEncodeRequestBytesAndValuesLittleEndian() {
        let transfer = DAPTransfer([.write(.select, 0), .write(.tar, 0x2000_0000), .read(.drw), .read(.dpIDR)])
        #expect(transfer.encode() == [0x05, 0, 4, 0x08, 0, 0, 0, 0, 0x05, 0, 0, 0, 0x20, 0x0F, 0x02])
        let block = DAPTransferBlock.write(.drw, [0x1122_3344, 5])
        #expect(block.encode() == [0x06, 0, 2, 0, 0x0D, 0x44, 0x33, 0x22, 0x11, 5, 0, 0, 0])
        #expect(DAPTransferBlock.read(.drw, count: 300).encode() == [0x06, 0, 0x2C, 0x01, 0x0F])
        #expect(DAPTransferBlock.maxWords(packetSize: 64, writing: true) == 14)
        #expect(DAPTransferBlock.maxWords(packetSize: 512, writing: false) == 127)
    }

    @Test func responsesGiveTheReadsInOrderAndStopAtTheFirstFailure() throws {
        let transfer = DAPTransfer([.write(.tar, 0), .read(.drw), .read(.drw)])
        let whole = try transfer.decode([0x05, 3, 1, 1, 0, 0, 0, 2, 0, 0, 0])
        #expect(whole == DAPTransferResult(done: 3, response: 1, values: [1, 2]))
        let faulted = try transfer.decode([0x05, 2, 4, 9, 0, 0, 0])
        #expect(faulted == DAPTransferResult(done: 2, response: 4, values: [9]))
        #expect(!faulted.succeeded)
    }

    @Test func aShortOrForeignOrUnimplementedResponseIsNamed() {
        let transfer = DAPTransfer([.write(.tar, 0), .read(.drw)])
        let short = CMSISDAPError.malformedResponse(command: "DAP_Transfer of 2", detail: "2 data bytes for 1 reads")
        #expect(throws: short) {
            try transfer.decode([0x05, 2, 1, 0xAA, 0xBB])
        }
        #expect(throws: CMSISDAPError.malformedResponse(command: "DAP_Transfer of 2",
                                                        detail: "the response of command 0x06")) {
            try transfer.decode([0x06, 0, 0, 1])
        }
        #expect(throws: CMSISDAPError.commandFailed(command: "DAP_Info 0xFE", status: 0xFF)) {
            try DAPInfo(.packetCount).decode([0xFF])
        }
        #expect(CMSISDAPError.commandFailed(command: "DAP_Info 0xFE", status: 0xFF).description
            .contains("update its firmware"))
    }
}

@Suite struct CMSISDAPProbeTests {
    func connected(_ device: ScriptedDAP = ScriptedDAP()) throws -> CMSISDAPProbe {
        let probe = try CMSISDAPProbe(transport: device)
        probe.sleep = { _ in }
        try probe.connect()
        return probe
    }

    @Test func infoAndConnectFollowTheSWDStartupSequence() throws {
        let device = ScriptedDAP()
        device.packetSize = 512
        let probe = try connected(device)
        #expect(probe.packetSize == 512 && probe.packetCount == 4)
        #expect(probe.serial == "0240000034544E45" && probe.firmware == "2.1.0")
        #expect(probe.dpIDCode == 0x2BA0_1477)
        #expect(device.commands == [0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x11, 0x04, 0x13, 0x01, 0x12, 0x05, 0x08,
                                    0x05, 0x05])
        let sequence = device.sent[10]
        #expect(sequence[1] == 136 && sequence[9...10] == [0x9E, 0xE7], "JTAG-to-SWD select value LSB first")
        #expect(device.sent[11] == [0x05, 0, 1, 0x02], "the first access after the line reset reads DPIDR")
        #expect(device.aborts == [0x1E])
        #expect(device.sent[13] == [0x05, 0, 2, 0x08, 0, 0, 0, 0, 0x04, 0, 0, 0, 0x50])
    }

    @Test func aDeadWireIsNoTarget() throws {
        let device = ScriptedDAP()
        device.dpIDCode = 0xFFFF_FFFF
        #expect(throws: CMSISDAPError.noTarget(idcode: 0xFFFF_FFFF)) { try connected(device) }
    }

    @Test func memoryRoundTripsWithUnalignedEdgesAndBlocksThatStayInsideOneKiB() throws {
        let device = ScriptedDAP()
        let probe = try connected(device)
        let bytes = (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        try probe.writeMemory(0x2000_03FE, bytes)
        #expect(try probe.readMemory(0x2000_03FE, count: 3000) == bytes)
        #expect(try probe.read32(0x2000_0400) == LE.u32(bytes, at: 2))
        // Every DRW block starts after a TAR write and ends before the next 1 KiB boundary, where TAR wraps.
        var tar: UInt32 = 0
        for packet in device.sent where packet[0] == 0x05 || packet[0] == 0x06 {
            if packet[0] == 0x05 {
                var offset = 3
                for _ in 0..<Int(packet[2]) {
                    let request = packet[offset]
                    offset += 1
                    if request & 2 == 0 {
                        if request == 0x05 { tar = LE.u32(packet, at: offset) }
                        offset += 4
                    }
                }
            } else {
                let words = UInt32(LE.u16(packet, at: 2))
                #expect(tar / 1024 == (tar + words * 4 - 1) / 1024, "block of \(words) words at \(hexWord(tar))")
                tar += words * 4
            }
        }
    }

    @Test(arguments: [1, 4])
    func blocksStreamUpToThePacketCount(packetCount: Int) throws {
        let device = ScriptedDAP()
        device.packetCount = packetCount
        let probe = try connected(device)
        let words = (0..<2048).map { UInt32($0) &* 0x9E37_79B9 }
        try probe.writeMemory(0x2000_0000, words.flatMap(LE.bytes))
        #expect(device.mostPending == packetCount)
        #expect(try probe.readMemory(0x2000_0000, count: 8192) == words.flatMap(LE.bytes))
        #expect(device.sent.filter { $0[0] == 0x06 }.count > 8)
    }

    @Test func aFaultNamesTheAddressAndClearsTheStickyErrorForTheNextAccess() throws {
        let device = ScriptedDAP()
        let probe = try connected(device)
        device.faulting = 0x6000_0000..<0x6000_1000
        #expect(throws: CMSISDAPError.memoryFault(address: 0x6000_0000, count: 4, response: 4)) {
            try probe.read32(0x6000_0000)
        }
        #expect(device.aborts.last == 0x1E)
        device.words[0x2000_0000] = 42
        #expect(try probe.read32(0x2000_0000) == 42, "STICKYERR cleared, SELECT and CSW written again")
        #expect(throws: CMSISDAPError.self) { try probe.readMemory(0x5FFF_FF00, count: 1024) }
        #expect(try probe.read32(0x2000_0000) == 42)
    }

    @Test func aFaultInTheMiddleOfAStreamDrainsThePacketsInFlight() throws {
        let device = ScriptedDAP()
        let probe = try connected(device)
        device.faulting = 0x2000_0800..<0x2000_0804
        #expect(throws: CMSISDAPError.self) {
            try probe.writeMemory(0x2000_0000, [UInt8](repeating: 0xAB, count: 4096))
        }
        device.faulting = nil
        #expect(try probe.read32(0x2000_0000) == 0xABAB_ABAB, "every response in flight was read")
    }

    @Test func waitAnswersAreRetriedAndAPersistentWaitAbortsTheTransaction() throws {
        let device = ScriptedDAP()
        let probe = try connected(device)
        device.words[0xE000_ED00] = 0x410F_C241
        device.waits = 1
        #expect(try probe.read32(0xE000_ED00) == 0x410F_C241)
        #expect(device.aborts.last == 0x1F, "DAPABORT with the sticky clears after a WAIT")
        device.waits = 10
        #expect(throws: CMSISDAPError.transferFailed(command: "DAP_Transfer of 4", response: 2, done: 1)) {
            try probe.read32(0xE000_ED00)
        }
    }

    @Test func aShortResponseIsMalformed() throws {
        let device = ScriptedDAP()
        let probe = try connected(device)
        device.words[0x2000_0000] = 7
        device.shortened = [device.sent.count]
        #expect(throws: CMSISDAPError.self) { try probe.read32(0x2000_0000) }
        #expect(try probe.read32(0x2000_0000) == 7)
    }

    @Test func coreRegistersTakeOnePacketAndRunControlIsTheSharedLayers() throws {
        let device = ScriptedDAP()
        let probe = try connected(device)
        device.words[0xE000_EDF8] = 0x0800_0100
        let before = device.sent.count
        #expect(try probe.readCoreRegister(.pc) == 0x0800_0100)
        #expect(device.sent.count == before + 1)
        #expect(device.words[0xE000_EDF4] == 15)
        try probe.writeCoreRegister(.r2, 42)
        #expect(device.words[0xE000_EDF4] == 0x1_0002 && device.words[0xE000_EDF8] == 42)
        try probe.reset(halt: true)
        #expect(device.words[0xE000_ED0C] == 0x05FA_0004 && device.words[0xE000_EDFC] == 0x0100_0000)
    }

    @Test func aV1HIDProbeIsRefusedWithWhatToDo() throws {
        let hid = USBAlternateSetting(interfaceNumber: 0, interfaceClass: 0x03, name: "CMSIS-DAP",
                                      endpoints: [USBEndpointInfo(address: 0x81, attributes: 3, maxPacketSize: 64)])
        let device = USBDeviceInfo(vendorID: 0xC251, productID: 0xF002, product: "LPC-Link CMSIS-DAP",
                                   alternateSettings: [hid])
        let probe = DetectedProbe(kind: .cmsisDAP, model: "CMSIS-DAP", device: device)
        #expect(throws: CMSISDAPError.hidUnsupported(probe: probe.description)) {
            try ProgrammerRegistry.cmsisDAPInterface(probe)
        }
        #expect(CMSISDAPError.hidUnsupported(probe: "x").description.contains("update the probe to a v2 firmware"))
        let bulk = USBAlternateSetting(interfaceNumber: 1, interfaceClass: 0xFF, name: "CMSIS-DAP v2", endpoints: [
            USBEndpointInfo(address: 0x02, attributes: 2, maxPacketSize: 64),
            USBEndpointInfo(address: 0x83, attributes: 2, maxPacketSize: 64),
        ])
        var both = device
        both.alternateSettings = [hid, bulk]
        let found = try ProgrammerRegistry.cmsisDAPInterface(DetectedProbe(kind: .cmsisDAP, model: "", device: both))
        #expect(found.0.interfaceNumber == 1 && found.output.address == 0x02 && found.input.address == 0x83)
    }
}
