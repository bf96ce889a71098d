import Testing

@testable import Programmers

@Suite struct STLinkProbeTests {
    func probe(_ device: ScriptedSTLink) throws -> STLinkProbe {
        let probe = try STLinkProbe(transport: device)
        probe.sleep = { _ in }
        return probe
    }

    @Test func connectLeavesDFUSetsTheClockEntersSWDAndReadsTheIDCode() throws {
        let device = ScriptedSTLink()
        let probe = try probe(device)
        #expect(try probe.connect() == 0x1BA0_1477)
        #expect(device.sent.map(\.first) == [0xF1, 0xF5, 0xF3, 0xF7, 0xF2, 0xF2, 0xF5, 0xF2, 0xF2])
        // SWD_SET_FREQ 1800 kHz (divisor 1), ENTER SWD, INIT_AP 0 (J37), READ_IDCODES.
        #expect(device.debugSubs == [0x43, 0x30, 0x4B, 0x31])
        #expect(device.sent[4] == [0xF2, 0x43, 1, 0])
    }

    @Test func anOldV2SkipsInitAPAndAFirmwareWithoutAPIv2IsRefused() throws {
        let device = ScriptedSTLink()
        device.version = [0x25, 0x87, 0x83, 0x04, 0x48, 0x37]  // V2J22S7
        device.mode = 2
        try probe(device).connect()
        #expect(device.debugSubs == [0x21, 0x43, 0x30, 0x31])
        let old = ScriptedSTLink()
        old.version = [0x11, 0x40, 0x83, 0x04, 0x44, 0x37]  // V1J5
        #expect(throws: STLinkError.firmwareTooOld(version: "V1J5", needs: "API v2 (V2 J11 or newer)")) {
            try STLinkProbe(transport: old)
        }
    }

    @Test func noTargetOnTheWireIsSaidSo() throws {
        let device = ScriptedSTLink()
        device.idcode = 0
        #expect(throws: STLinkError.noTarget(idcode: 0)) { try probe(device).connect() }
        #expect(STLinkError.noTarget(idcode: 0).description.contains("check wiring (SWDIO, SWCLK, GND) and power"))
    }

    @Test func waitAnswersAreRetried() throws {
        let device = ScriptedSTLink()
        device.words[0xE000_ED00] = 0x411F_C231
        device.queuedStatus[0x36] = [0x10, 0x14]
        #expect(try probe(device).readDebugRegister(0xE000_ED00) == 0x411F_C231)
        #expect(device.debugSubs == [0x36, 0x36, 0x36])
    }

    @Test func connectUnderResetHoldsNRSTWhileEnteringAndHalts() throws {
        let device = ScriptedSTLink()
        device.words[0xE000_EDF0] = 0x0003_0003
        try probe(device).connect(underReset: true)
        let subs = device.debugSubs
        #expect(subs.prefix(3) == [0x43, 0x3C, 0x30])
        #expect(device.sent.contains([0xF2, 0x3C, 0]) && device.sent.contains([0xF2, 0x3C, 1]))
        #expect(device.words[0xE000_EDFC] == 0x0100_0001)
    }

    @Test func haltRunStepAndResetWriteTheDocumentedValues() throws {
        let device = ScriptedSTLink()
        let probe = try probe(device)
        device.words[0xE000_EDF0] = 0x0003_0003
        try probe.halt()
        #expect(device.sent.contains([0xF2, 0x35, 0xF0, 0xED, 0, 0xE0, 0x03, 0, 0x5F, 0xA0]))
        try probe.run()
        #expect(device.sent.last == [0xF2, 0x35, 0xF0, 0xED, 0, 0xE0, 0x01, 0, 0x5F, 0xA0])
        device.words[0xE000_EDF0] = 0x0003_0003
        try probe.reset(halt: true)
        #expect(device.words[0xE000_ED0C] == 0x05FA_0004)
        #expect(device.words[0xE000_EDFC] == 0x0100_0000)
        let writes = device.sent.filter { $0.count >= 10 && $0[1] == 0x35 && LE.u32($0, at: 2) == 0xE000_EDFC }
        #expect(writes.map { LE.u32($0, at: 6) } == [0x0100_0001, 0x0100_0000])
    }

    @Test func theDFSRBitAndCoreRegistersGoThroughREADREG() throws {
        let device = ScriptedSTLink()
        device.registers[15] = 0x0800_0100
        let probe = try probe(device)
        #expect(try probe.readCoreRegister(.pc) == 0x0800_0100)
        try probe.writeCoreRegister(.r2, 42)
        #expect(device.registers[2] == 42)
    }

    @Test func memoryIsSplitIntoByteEdgesAndWordBlocksThatStayInsideFourKiB() throws {
        let probe = try probe(ScriptedSTLink())
        let pieces = probe.pieces(0x2000_0FFE, 4100).map { [Int($0.address - 0x2000_0000), $0.count, $0.width] }
        #expect(pieces == [[0xFFE, 2, 1], [0x1000, 4096, 4], [0x2000, 2, 1]])
        let long = probe.pieces(0x0800_0000, 10_000).map { [$0.count, $0.width] }
        #expect(long == [[4096, 4], [4096, 4], [1808, 4]])
        let odd = probe.pieces(0x2000_0001, 130).map { [$0.count, $0.width] }
        #expect(odd == [[3, 1], [124, 4], [3, 1]])
        #expect(probe.pieces(0x2000_0000, 0).isEmpty)
    }

    @Test func memoryRoundTripsAndAFaultNamesTheAddress() throws {
        let device = ScriptedSTLink()
        let probe = try probe(device)
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try probe.writeMemory(0x2000_0003, bytes)
        #expect(try probe.readMemory(0x2000_0003, count: 300) == bytes)
        #expect(device.written.map(\.bytes.count) == [1, 296, 3])
        device.lastAccessStatus = 0x19
        #expect(throws: STLinkError.memoryFault(address: 0x6000_0000, count: 8, status: 0x19)) {
            try probe.readMemory(0x6000_0000, count: 8)
        }
    }
}
