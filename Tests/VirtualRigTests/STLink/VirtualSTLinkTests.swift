import Testing

@testable import VirtualRig

/// The ST-Link command decoder driven directly: command bytes in, the bytes `stlink.md` and the peer traces say
/// a V2 answers.
@Suite struct VirtualSTLinkTests {
    @Test func versionModesAndIdentity() throws {
        let host = try STLinkTestHost()
        // peer-usb-traces.md: GET_VERSION answered 29 47 83 04 48 37 (V2J37S7, 0483:3748).
        #expect(host.send([0xF1], replyLength: 6) == [0x29, 0x47, 0x83, 0x04, 0x48, 0x37])
        #expect(host.send([0xF5], replyLength: 2) == [0x00, 0x00])
        #expect(host.send([0xF3, 0x07]) == [])
        #expect(host.send([0xF5], replyLength: 2) == [0x01, 0x00])
        #expect(host.send([0xF2, 0x43, 0x01], replyLength: 2) == [0x80, 0x00])
        #expect(host.send([0xF2, 0x30, 0xA3], replyLength: 2) == [0x80, 0x00])
        #expect(host.send([0xF5], replyLength: 2) == [0x02, 0x00])
        #expect(host.send([0xF2, 0x4B, 0x00], replyLength: 2) == [0x80, 0x00])
        #expect(host.send([0xF2, 0x4B, 0x01], replyLength: 2) == [0x1D, 0x00])
        // READ_IDCODES: status, then the STM32F1's SW-DP DPIDR 0x1BA01477.
        #expect(host.send([0xF2, 0x31], replyLength: 12) == [0x80, 0, 0, 0, 0x77, 0x14, 0xA0, 0x1B, 0, 0, 0, 0])
        #expect(host.send([0xF2, 0x30, 0xA4], replyLength: 2) == [0x09, 0x00])
        host.send([0xF2, 0x21])
        #expect(host.send([0xF5], replyLength: 2) == [0x01, 0x00])
    }

    @Test func v21HasItsOwnEndpointsAndNucleoVersion() throws {
        let host = try STLinkTestHost(board: "nucleo-f401re", variant: .v21)
        #expect(host.send([0xF1], replyLength: 6) == [0x29, 0x5A, 0x83, 0x04, 0x4B, 0x37])
        let descriptor = host.stlink.configurationDescriptor
        let endpoints = stride(from: 18, to: descriptor.count, by: 7).map { descriptor[$0 + 2] }
        #expect(endpoints == [0x81, 0x01, 0x82])
        #expect(host.stlink.bulkOut(endpoint: 0x02, data: [0xF1]) == false)
        #expect(host.stlink.deviceDescriptor[10] == 0x4B && host.stlink.deviceDescriptor[11] == 0x37)
    }

    @Test func descriptorsAndSerial() throws {
        let host = try STLinkTestHost()
        let descriptor = host.stlink.configurationDescriptor
        let endpoints = stride(from: 18, to: descriptor.count, by: 7).map { Array(descriptor[$0..<($0 + 7)]) }
        #expect(endpoints.map { $0[2] } == [0x81, 0x02, 0x83])
        #expect(endpoints.allSatisfy { $0[3] == 0x02 && $0[4] == 64 && $0[5] == 0 })
        // stlink-tools needs bLength 50: 24 UTF-16 characters.
        #expect(USBDescriptor.string(host.stlink.strings[3] ?? "").first == 50)
        let serial = VirtualDeviceRegistry.defaultSerial(kind: "stlink", board: "bluepill", ordinal: 0)
        #expect(serial.count == 24 && serial.allSatisfy { "0123456789ABCDEF".contains($0) })
        #expect(VirtualDeviceRegistry.defaultSerial(kind: "dfuse", board: "bluepill", ordinal: 0).count == 12)
    }

    @Test func targetVoltageIsThreePointThree() throws {
        let host = try STLinkTestHost()
        let reply = try #require(host.send([0xF7], replyLength: 8))
        let volts = 2.4 * Double(host.word(reply, at: 4)) / Double(host.word(reply, at: 0))
        #expect(abs(volts - 3.3) < 0.01)
    }

    @Test func debugRegistersAsStInfoReadsThem() throws {
        let host = try STLinkTestHost()
        host.enterSWD()
        #expect(host.readDebugRegister(0xE000_ED00) == (0x80, 0x411F_C231))
        #expect(host.readDebugRegister(0xE004_2000) == (0x80, 0x2003_6410))
        // The flash-size half-word with the erased half above it, as st-info reads it (64 KiB).
        #expect(host.readDebugRegister(0x1FFF_F7E0) == (0x80, 0xFFFF_0040))
        #expect(host.writeDebugRegister(0xE000_EDF0, 0xA05F_0003) == 0x80)
        let dhcsr = host.readDebugRegister(0xE000_EDF0).value
        #expect(dhcsr & 0x0003_0003 == 0x0003_0003)
        #expect(host.stlink.chip.isHalted)
    }

    @Test func nrstPulseSetsResetSticky() throws {
        let host = try STLinkTestHost()
        host.enterSWD()
        _ = host.readDebugRegister(0xE000_EDF0)
        #expect(host.send([0xF2, 0x3C, 0x00], replyLength: 2) == [0x80, 0x00])
        #expect(host.send([0xF2, 0x3C, 0x01], replyLength: 2) == [0x80, 0x00])
        #expect(host.send([0xF2, 0x32], replyLength: 2) == [0x80, 0x00])
        // S_RESET_ST is set after the reset and cleared by the read that saw it.
        #expect(host.readDebugRegister(0xE000_EDF0).value & (1 << 25) != 0)
        #expect(host.readDebugRegister(0xE000_EDF0).value & (1 << 25) == 0)
    }

    @Test func memoryWritesWithDataPhaseAndReadsInEveryWidth() throws {
        let host = try STLinkTestHost()
        host.enterSWD()
        let bytes = (0..<64).map { UInt8($0 * 3 + 1) }
        host.writeMemory(0x08, 0x2000_0100, bytes)
        #expect(host.lastStatus().status == 0x80)
        #expect(host.readMemory(0x07, 0x2000_0100, 64) == bytes)
        host.writeMemory(0x0D, 0x2000_0200, [0xAA, 0xBB, 0xCC])
        #expect(host.readMemory(0x0C, 0x2000_0200, 3) == [0xAA, 0xBB, 0xCC])
        // READMEM_8BIT of one byte answers two (stlink.md section 4).
        #expect(host.readMemory(0x0C, 0x2000_0201, 1, replyLength: 2) == [0xBB, 0x00])
        host.writeMemory(0x48, 0x2000_0300, [0x34, 0x12, 0x78, 0x56])
        #expect(host.readMemory(0x47, 0x2000_0300, 4) == [0x34, 0x12, 0x78, 0x56])
        // GETLASTRWSTATUS (J < 15 hosts): two bytes.
        #expect(host.send([0xF2, 0x3B], replyLength: 2) == [0x80, 0x00])
    }

    @Test func aDataPhaseMayComeInPieces() throws {
        let host = try STLinkTestHost()
        host.enterSWD()
        host.send([0xF2, 0x08] + host.le32(0x2000_0400) + host.le16(8))
        _ = host.stlink.bulkOut(endpoint: 0x02, data: [1, 2, 3, 4])
        _ = host.stlink.bulkOut(endpoint: 0x02, data: [5, 6, 7, 8])
        #expect(host.readMemory(0x07, 0x2000_0400, 8) == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func aBusFaultBecomesSWDAPFault() throws {
        let host = try STLinkTestHost()
        host.enterSWD()
        // Nothing answers at 0x60000000 on an STM32F103: the read returns zeros and the status says why.
        #expect(host.readMemory(0x07, 0x6000_0000, 8) == [UInt8](repeating: 0, count: 8))
        #expect(host.lastStatus() == (0x11, 0x6000_0000))
        #expect(host.lastStatus() == (0x80, 0))
        host.writeMemory(0x08, 0x6000_0010, [1, 2, 3, 4])
        #expect(host.lastStatus() == (0x11, 0x6000_0010))
        #expect(host.readDebugRegister(0x6000_0000).status == 0x11)
        #expect(host.writeDebugRegister(0x6000_0000, 1) == 0x11)
        // A read running off the end of SRAM keeps the bytes before the fault.
        host.writeMemory(0x08, 0x2000_4FFC, [9, 8, 7, 6])
        #expect(host.readMemory(0x07, 0x2000_4FFC, 8) == [9, 8, 7, 6, 0, 0, 0, 0])
        #expect(host.lastStatus() == (0x11, 0x2000_5000))
    }

    @Test func coreRegistersAndReadAll() throws {
        let host = try STLinkTestHost()
        host.enterSWD()
        host.writeDebugRegister(0xE000_EDF0, 0xA05F_0003)
        #expect(host.send([0xF2, 0x34, 0x01] + host.le32(0xCAFE_F00D), replyLength: 2) == [0x80, 0x00])
        #expect(host.send([0xF2, 0x33, 0x01], replyLength: 8) == [0x80, 0, 0, 0, 0x0D, 0xF0, 0xFE, 0xCA])
        // A selector DCRSR leaves undefined reads as zero: OpenOCD asks for r0..r20.
        #expect(host.send([0xF2, 0x33, 0x13], replyLength: 8) == [0x80, 0, 0, 0, 0, 0, 0, 0])
        let all = try #require(host.send([0xF2, 0x3A], replyLength: 88))
        #expect(all.count == 88 && all[0] == 0x80)
        #expect(host.word(all, at: 8) == 0xCAFE_F00D)
        #expect(host.word(all, at: 68) & 0x0100_0000 != 0)
    }

    @Test func unknownCommandsFailAndAnINWithoutACommandWaits() throws {
        let host = try STLinkTestHost()
        #expect(host.stlink.bulkIn(endpoint: 0x81, capacity: 2) == .pending)
        #expect(host.stlink.bulkIn(endpoint: 0x83, capacity: 64) == .pending)
        #expect(host.send([0xF2, 0x7F], replyLength: 2) == [0x81, 0x00])
        // The reply waits for the IN that OpenOCD submitted right after the command.
        _ = host.stlink.bulkOut(endpoint: 0x02, data: [0xF5] + [UInt8](repeating: 0, count: 15))
        #expect(host.stlink.bulkIn(endpoint: 0x81, capacity: 2) == .data([0x00, 0x00]))
        #expect(host.stlink.bulkIn(endpoint: 0x81, capacity: 2) == .pending)
    }

    @Test func resetWithVectorCatchHaltsAtTheResetVector() throws {
        let host = try STLinkTestHost()
        host.enterSWD()
        host.stlink.chip.flash.replace(with: host.le32(0x2000_5000) + host.le32(0x0800_0009) + [0xFE, 0xE7])
        host.writeDebugRegister(0xE000_EDF0, 0xA05F_0001)
        host.writeDebugRegister(0xE000_EDFC, 0x0100_0001)
        #expect(host.send([0xF2, 0x32], replyLength: 2) == [0x80, 0x00])
        #expect(host.stlink.chip.haltReason == .vectorCatch)
        #expect(host.send([0xF2, 0x33, 0x0F], replyLength: 8) == [0x80, 0, 0, 0, 0x08, 0, 0, 0x08])
    }

    @Test func aLoaderRunsToItsBreakpointAsStFlashPollsIt() throws {
        let host = try STLinkTestHost()
        host.enterSWD()
        host.writeDebugRegister(0xE000_EDF0, 0xA05F_0003)
        // movs r2, #0; adds r2, #5; bkpt #0  (Thumb: 2200 3205 be00)
        host.writeMemory(0x08, 0x2000_0000, [0x00, 0x22, 0x05, 0x32, 0x00, 0xBE, 0x00, 0xBF])
        host.send([0xF2, 0x34, 0x0F] + host.le32(0x2000_0000), replyLength: 2)
        host.writeDebugRegister(0xE000_EDF0, 0xA05F_0009)
        var dhcsr: UInt32 = 0
        for _ in 0..<50 where dhcsr & 0x2 == 0 { dhcsr = host.readDebugRegister(0xE000_EDF0).value }
        // stlink-tools waits for C_HALT, then reads r2 (stlink.md section 9 steps 8-9).
        #expect(dhcsr & 0x2 != 0)
        #expect(host.send([0xF2, 0x33, 0x02], replyLength: 8) == [0x80, 0, 0, 0, 5, 0, 0, 0])
        #expect(host.stlink.chip.haltReason == .breakpoint(0))
    }

    @Test func apiV1RunHaltStepAndStatus() throws {
        let host = try STLinkTestHost()
        host.enterSWD()
        host.stlink.chip.flash.replace(with: host.le32(0x2000_5000) + host.le32(0x0800_0009) + [0xFE, 0xE7])
        host.stlink.chip.reset()
        #expect(host.send([0xF2, 0x02], replyLength: 2) == [0x80, 0x00])
        #expect(host.send([0xF2, 0x01], replyLength: 2) == [0x81, 0x00])
        #expect(host.send([0xF2, 0x0A], replyLength: 2) == [0x80, 0x00])
        #expect(host.stlink.chip.haltReason == .step)
        #expect(host.send([0xF2, 0x09], replyLength: 2) == [0x80, 0x00])
        #expect(host.send([0xF2, 0x01], replyLength: 2) == [0x80, 0x00])
    }
}
