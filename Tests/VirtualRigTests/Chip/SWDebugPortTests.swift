import Testing

@testable import VirtualRig

@Suite struct SWDebugPortTests {
    static func poweredPort(_ board: String = "bluepill") throws -> (VirtualChip, SWDebugPort) {
        let chip = try ChipTestSupport.chip(board)
        chip.halt()
        let port = SWDebugPort(chip: chip)
        #expect(port.dpRead(0x0) == (.ok, chip.dpIDCode))
        #expect(port.dpWrite(0x0, 0x1E) == .ok)
        #expect(port.dpWrite(0x4, 0x5000_0000) == .ok)
        return (chip, port)
    }

    @Test func powerUpHandshakeMirrorsRequests() throws {
        let chip = try ChipTestSupport.chip("bluepill")
        let port = SWDebugPort(chip: chip)
        // After a line reset only a DPIDR read is answered.
        #expect(port.dpRead(0x4).ack == .fault)
        #expect(port.dpRead(0x0) == (.ok, 0x1BA0_1477))
        #expect(port.dpRead(0x4).value & 0xF000_0000 == 0)
        #expect(port.dpWrite(0x4, 0x5000_0000) == .ok)
        #expect(port.dpRead(0x4).value & 0xF000_0000 == 0xF000_0000)
        #expect(port.dpWrite(0x4, 0) == .ok)
        #expect(port.dpRead(0x4).value & 0xF000_0000 == 0)
        let f4 = SWDebugPort(chip: try ChipTestSupport.chip("stm32f4-discovery"))
        #expect(f4.dpRead(0x0) == (.ok, 0x2BA0_1477))
    }

    @Test func accessPortIdentityAndPostedReads() throws {
        let (_, port) = try Self.poweredPort()
        #expect(port.dpWrite(0x8, 0x0000_00F0) == .ok)    // APSEL 0, bank 0xF
        _ = port.apRead(0xC)                               // IDR, posted
        #expect(port.dpRead(0xC) == (.ok, 0x1477_0011))   // RDBUFF
        #expect(port.apRead(0x8).value == 0x1477_0011)    // BASE read returns the previous (IDR) result
        #expect(port.dpRead(0xC).value == 0xE00F_F003)
        #expect(port.apReadValue(0x4).value == 0)          // CFG
        // Another APSEL has no AP: zero IDR ends OpenOCD's scan.
        #expect(port.dpWrite(0x8, 0x0100_00F0) == .ok)
        #expect(port.apReadValue(0xC).value == 0)
        let (_, f4) = try Self.poweredPort("stm32f4-discovery")
        _ = f4.dpWrite(0x8, 0xF0)
        #expect(f4.apReadValue(0xC).value == 0x2477_0011)
    }

    @Test func tarAutoIncrementsOverDRW() throws {
        let (chip, port) = try Self.poweredPort()
        #expect(port.dpWrite(0x8, 0) == .ok)
        #expect(port.apWrite(0x0, 0xA200_0012) == .ok)     // word, single increment
        #expect(port.apReadValue(0x0).value & 0x37 == 0x12)
        #expect(port.apWrite(0x4, 0x2000_0000) == .ok)
        for value: UInt32 in [0x1111_1111, 0x2222_2222, 0x3333_3333] { #expect(port.apWrite(0xC, value) == .ok) }
        #expect(port.apReadValue(0x4).value == 0x2000_000C)
        #expect(try chip.readMemory(0x2000_0000, count: 12) == [0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
                                                                 0x33, 0x33, 0x33, 0x33])
        // Bytes sit on the lane TAR[1:0] selects.
        #expect(port.apWrite(0x0, 0xA200_0010) == .ok)     // byte, single increment
        #expect(port.apWrite(0x4, 0x2000_0001) == .ok)
        #expect(port.apWrite(0xC, 0x0000_AB00) == .ok)
        #expect(try chip.read8(0x2000_0001) == 0xAB)
        #expect(port.apReadValue(0x4).value == 0x2000_0002)
        // Packed half-words: one DRW moves two, TAR steps by 4.
        #expect(port.apWrite(0x0, 0xA200_0021) == .ok)
        #expect(port.apWrite(0x4, 0x2000_0004) == .ok)
        #expect(port.apReadValue(0xC).value == 0x2222_2222)
        #expect(port.apReadValue(0x4).value == 0x2000_0008)
        // BD0-BD3 reach TAR & ~0xF without moving TAR.
        #expect(port.apWrite(0x0, 0xA200_0002) == .ok)
        #expect(port.dpWrite(0x8, 0x10) == .ok)
        #expect(port.apReadValue(0x8).value == 0x3333_3333)
        #expect(port.dpWrite(0x8, 0) == .ok)
        #expect(port.apReadValue(0x4).value == 0x2000_0008)
        // Reading CPUID the way OpenOCD does.
        #expect(port.apWrite(0x4, 0xE000_ED00) == .ok)
        #expect(port.apReadValue(0xC).value == 0x411F_C231)
    }

    @Test func faultingTransferSetsStickyErrorUntilAborted() throws {
        let (_, port) = try Self.poweredPort()
        _ = port.dpWrite(0x8, 0)
        _ = port.apWrite(0x0, 0xA200_0002)
        _ = port.apWrite(0x4, 0x3000_0000)
        #expect(port.apRead(0xC).ack == .ok)               // posted: the error shows afterwards
        #expect(port.dpRead(0x4).value & 0x20 != 0)        // STICKYERR
        #expect(port.apRead(0x4).ack == .fault)
        #expect(port.dpRead(0xC).ack == .fault)            // RDBUFF reports it too, as a probe's check read needs
        #expect(port.dpWrite(0x0, 0x4) == .ok)             // ABORT.STKERRCLR
        #expect(port.dpRead(0x4).value & 0x20 == 0)
        #expect(port.apRead(0x4).ack == .ok)
    }
}

/// OpenOCD 0.12's CMSIS-DAP connect for nrf52.cfg (peer-usb-traces.md, transfers 18 to 32), replayed on the DP as a
/// CMSIS-DAP firmware would: each AP read followed by RDBUFF.
@Suite struct OpenOCDConnectReplayTests {
    @Test func connectSequenceSeesTheCortexM4() throws {
        let chip = try ChipTestSupport.chip("nrf52840dk")
        let dp = SWDebugPort(chip: chip)
        dp.lineReset()
        #expect(dp.dpRead(0x0) == (.ok, 0x2BA0_1477))
        #expect(dp.dpWrite(0x0, 0x1E) == .ok)
        #expect(dp.dpWrite(0x8, 0) == .ok)
        #expect(dp.dpWrite(0x4, 0x5000_0020) == .ok)
        #expect(dp.dpRead(0x4).value & 0xF000_0000 == 0xF000_0000)
        #expect(dp.dpWrite(0x8, 0xF0) == .ok)
        #expect(dp.apReadValue(0xC) == (.ok, 0x2477_0011))
        #expect(dp.dpWrite(0x8, 0) == .ok)
        #expect(dp.apWrite(0x0, 0xA200_0020) == .ok)   // byte size, packed: OpenOCD probes packed support
        #expect(dp.apWrite(0x4, 0) == .ok)
        #expect(dp.apReadValue(0x0).value & 0xFF00_0037 == 0xA200_0020)
        #expect(dp.apWrite(0x0, 0xA200_0022) == .ok)
        #expect(dp.apWrite(0x4, 0xE000_ED00) == .ok)
        #expect(dp.apReadValue(0xC) == (.ok, 0x410F_C241))
        #expect(dp.apWrite(0x4, 0xE000_EF40) == .ok)
        #expect(dp.apReadValue(0xC) == (.ok, 0x1011_0021))   // MVFR0: FPv4-SP
        #expect(dp.apWrite(0x4, 0xE000_EDF0) == .ok)
        #expect(dp.apReadValue(0xC).ack == .ok)
        #expect(dp.apWrite(0x4, 0xE000_EDFC) == .ok)
        #expect(dp.apWrite(0xC, 0x0100_0000) == .ok)
        #expect(dp.apWrite(0x4, 0xE000_2000) == .ok)
        #expect(dp.apReadValue(0xC).value & 0xF0 == 0x60)
        #expect(dp.apWrite(0x4, 0xE000_1000) == .ok)
        #expect(dp.apReadValue(0xC).value >> 28 == 4)
        // Halt through DRW, then read a packed pair of half-words of SRAM.
        #expect(dp.apWrite(0x4, 0xE000_EDF0) == .ok)
        #expect(dp.apWrite(0xC, 0xA05F_0003) == .ok)
        #expect(chip.isHalted)
        try chip.write32(0x2000_0000, 0xBEEF_CAFE)
        #expect(dp.apWrite(0x0, 0xA200_0021) == .ok)
        #expect(dp.apWrite(0x4, 0x2000_0000) == .ok)
        #expect(dp.apReadValue(0xC) == (.ok, 0xBEEF_CAFE))
    }
}
