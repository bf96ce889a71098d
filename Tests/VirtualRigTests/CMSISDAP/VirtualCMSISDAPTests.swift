import Testing

@testable import VirtualRig

/// The CMSIS-DAP v2 model against ARM's command reference (`cmsis-dap.md`), one command family per test.
@Suite struct VirtualCMSISDAPTests {
    typealias R = DAPRequest

    @Test func infoAnswersIdentityCapabilitiesAndPacketGeometry() throws {
        let host = try CMSISDAPTestHost()
        #expect(host.send([0x00, 0xF0]) == [0x00, 1, 0x01])                         // SWD only
        #expect(host.send([0x00, 0xFE]) == [0x00, 1, 4])                            // packet count
        #expect(host.send([0x00, 0xFF]) == [0x00, 2, 64, 0])                        // packet size
        #expect(host.send([0x00, 0x04]) == [0x00, 6] + Array("2.1.0".utf8) + [0])   // with its NUL
        #expect(host.send([0x00, 0x03]) == [0x00, 17] + Array("0240000034544E45".utf8) + [0])
        #expect(host.send([0x00, 0x06]) == [0x00, 9] + Array("nrf52840".utf8) + [0])
        #expect(host.send([0x00, 0xFD]) == [0x00, 0])                               // no SWO buffer
        #expect(host.send([0x00, 0x42]) == [0x00, 0])
    }

    @Test func usbIdentityIsAVendorInterfaceNamedCMSISDAPWithOutThenIn() throws {
        let probe = try CMSISDAPTestHost().probe
        let configuration = probe.configurationDescriptor
        // Interface: class 0xFF/0/0, two endpoints, iInterface 4.
        #expect(Array(configuration[9..<18]) == [9, 0x04, 0, 0, 2, 0xFF, 0, 0, 4])
        #expect(Array(configuration[18..<25]) == [7, 0x05, 0x01, 0x02, 64, 0, 0])   // bulk OUT first
        #expect(Array(configuration[25..<32]) == [7, 0x05, 0x81, 0x02, 64, 0, 0])   // then bulk IN
        #expect(probe.strings[4]?.contains("CMSIS-DAP") == true)
        #expect(probe.strings[3] == "0240000034544E45")
    }

    @Test func connectTakesSWDAndRefusesJTAG() throws {
        let host = try CMSISDAPTestHost()
        #expect(host.send([0x02, 0x02]) == [0x02, 0x00])
        // Not connected: DAP_Transfer is the firmware's dummy, nothing done and no ACK.
        #expect(host.send([0x05, 0, 1, R.readDP]) == [0x05, 0, 0])
        #expect(host.send([0x02, 0x00]) == [0x02, 0x01])
        #expect(host.send([0x02, 0x01]) == [0x02, 0x01])
        #expect(host.send([0x03]) == [0x03, 0x00])
        #expect(host.send([0x14, 1, 0x00, 0xFF]) == [0xFF])                         // JTAG_Sequence: not implemented
        #expect(host.send([0x11, 0, 0, 0, 0]) == [0x11, 0xFF])                      // 0 Hz is an error
        #expect(host.send([0x11, 0x40, 0x42, 0x0F, 0]) == [0x11, 0x00])
        #expect(host.send([0x04, 0, 64, 0, 0, 0]) == [0x04, 0x00])
        #expect(host.send([0x13, 0x00]) == [0x13, 0x00])
        #expect(host.send([0x01, 0, 1]) == [0x01, 0x00])
        #expect(host.send([0x09, 0x10, 0x00]) == [0x09, 0x00])
    }

    @Test func responsesOfQueuedCommandsComeBackInOrder() throws {
        let host = try CMSISDAPTestHost()
        #expect(host.receive() == nil)                                              // nothing queued: pending
        host.submit([0x00, 0xFE])
        host.submit([0x02, 0x01])
        host.submit([0x07])                                                         // TransferAbort: no response
        host.submit([0x05, 0, 1, R.readDP])
        host.submit([0x00, 0xFF])
        #expect(host.receive() == [0x00, 1, 4])
        #expect(host.receive() == [0x02, 0x01])
        #expect(host.receive() == [0x05, 1, 0x01, 0x77, 0x14, 0xA0, 0x2B])          // DPIDR 0x2BA01477
        #expect(host.receive() == [0x00, 2, 64, 0])
        #expect(host.receive() == nil)
    }

    @Test func aCommandLongerThanThePacketSizeIsStalled() throws {
        let host = try CMSISDAPTestHost()
        host.connect()
        #expect(host.transfer([(R.writeDP | R.a8, 0), (R.writeAP, 0xA200_0012),
                               (R.writeAP | R.a4, 0x2000_0000)]).response == 0x01)
        let words = [UInt8](repeating: 0, count: 15 * 4)                           // 65 bytes with the header
        #expect(!host.probe.bulkOut(endpoint: 0x01, data: [0x06, 0, 15, 0, 0x0D] + words))
        #expect(host.probe.bulkOut(endpoint: 0x01, data: [0x06, 0, 14, 0, 0x0D] + words.dropFirst(4)))
        #expect(host.receive() == [0x06, 14, 0, 0x01])
        #expect(host.receive() == nil)
    }

    @Test func lineResetLeavesTheDPWaitingForADPIDRRead() throws {
        let host = try CMSISDAPTestHost()
        host.connect()
        #expect(host.transfer([(R.readDP | R.a4, nil)]).response == 0x01)
        #expect(host.send([0x12, 56] + [UInt8](repeating: 0xFF, count: 7)) == [0x12, 0x00])
        #expect(host.transfer([(R.readDP | R.a4, nil)]) == (0, 0x04, []))           // FAULT until DPIDR is read
        #expect(host.transfer([(R.readDP, nil), (R.readDP | R.a4, nil)]).response == 0x01)
    }

    /// AP reads are posted on the wire; the probe hides it, so a run of DRW reads gives memory in order, and the
    /// host's own RDBUFF read repeats the last AP value.
    @Test func apReadsReturnRealValuesInRequestOrder() throws {
        let host = try CMSISDAPTestHost()
        let chip = host.probe.chip
        chip.halt()
        for (index, word) in [0x1111_1111, 0x2222_2222, 0x3333_3333].enumerated() {
            try chip.write32(0x2000_0100 + UInt32(index) * 4, UInt32(word))
        }
        host.connect()
        let result = host.transfer([
            (R.writeDP | R.a8, 0),                          // SELECT AP 0, bank 0
            (R.writeAP, 0xA200_0012),                       // CSW: word, single increment
            (R.writeAP | R.a4, 0x2000_0100),                // TAR
            (R.readAP | R.aC, nil), (R.readAP | R.aC, nil), (R.readAP | R.aC, nil),
            (R.readDP | R.aC, nil),                         // RDBUFF
            (R.readAP | R.a4, nil),                         // TAR after three increments
        ])
        #expect(result.done == 8)
        #expect(result.response == 0x01)
        #expect(result.words == [0x1111_1111, 0x2222_2222, 0x3333_3333, 0x3333_3333, 0x2000_010C])
        // The CPUID through TAR/DRW, and the DP read in between collects the pending AP value first.
        let cpuid = host.transfer([(R.writeAP | R.a4, 0xE000_ED00), (R.readAP | R.aC, nil), (R.readDP | R.a4, nil)])
        #expect(cpuid.words.first == 0x410F_C241)
        #expect(cpuid.words.count == 2)
    }

    @Test func matchReadsWaitForTheValueAndReportAMismatch() throws {
        let host = try CMSISDAPTestHost()
        host.connect()
        // CTRL/STAT & 0xA0000000 == 0xA0000000: both power-up ACKs are set.
        let powered = host.transfer([(R.writeDP | R.matchMask, 0xA000_0000),
                                     (R.readDP | R.a4 | R.matchValue, 0xA000_0000)])
        #expect(powered == (2, 0x01, []))
        #expect(host.send([0x04, 0, 64, 0, 3, 0]) == [0x04, 0x00])                  // three more match reads
        let never = host.transfer([(R.writeDP | R.matchMask, 0xFFFF_FFFF),
                                   (R.readDP | R.a4 | R.matchValue, 0x1234_5678),
                                   (R.readDP, nil)])
        #expect(never == (1, 0x11, []))                                             // OK ACK + mismatch, stopped
        // An AP match read: DHCSR.S_HALT of a halted core.
        host.probe.chip.halt()
        let halted = host.transfer([(R.writeDP | R.a8, 0), (R.writeAP, 0xA200_0002),
                                    (R.writeAP | R.a4, 0xE000_EDF0),
                                    (R.writeDP | R.matchMask, 0x0002_0000),
                                    (R.readAP | R.aC | R.matchValue, 0x0002_0000)])
        #expect(halted == (5, 0x01, []))
    }

    /// A bus error on a posted AP read shows in this command's ACK (through the RDBUFF that collects it) and sticks
    /// until DAP_WriteABORT clears it.
    @Test func faultingAccessIsReportedAndClearedByWriteABORT() throws {
        let host = try CMSISDAPTestHost()
        host.connect()
        let failed = host.transfer([(R.writeDP | R.a8, 0), (R.writeAP, 0xA200_0002),
                                    (R.writeAP | R.a4, 0xF000_0000), (R.readAP | R.aC, nil)])
        #expect(failed.response == 0x04)
        #expect(failed.words.isEmpty)
        #expect(host.transfer([(R.readAP, nil)]).response == 0x04)
        #expect(host.transfer([(R.readDP | R.a4, nil)]).words.first.map { $0 & 0x20 } == 0x20)  // STICKYERR
        #expect(host.send([0x08, 0] + host.le32(0x1E)) == [0x08, 0x00])
        let again = host.transfer([(R.writeAP | R.a4, 0xE000_ED00), (R.readAP | R.aC, nil)])
        #expect(again == (2, 0x01, [0x410F_C241]))
        // A write that faults is caught by the check read after the last request.
        let write = host.transfer([(R.writeAP | R.a4, 0xF000_0000), (R.writeAP | R.aC, 1)])
        #expect(write.response == 0x04)
    }

    @Test func transferBlockWritesAndReadsOneRegisterRepeatedly() throws {
        let host = try CMSISDAPTestHost()
        host.probe.chip.halt()
        host.connect()
        #expect(host.transfer([(R.writeDP | R.a8, 0), (R.writeAP, 0xA200_0012),
                               (R.writeAP | R.a4, 0x2000_0200)]).response == 0x01)
        let words: [UInt32] = (0..<12).map { 0xC0DE_0000 | $0 }
        let write = host.send([0x06, 0, 12, 0, R.writeAP | R.aC] + words.flatMap(host.le32))
        #expect(write == [0x06, 12, 0, 0x01])
        #expect(try host.probe.chip.read32(0x2000_022C) == 0xC0DE_000B)
        #expect(host.transfer([(R.writeAP | R.a4, 0x2000_0200)]).response == 0x01)
        let read = host.send([0x06, 0, 12, 0, R.readAP | R.aC])
        #expect(Array(read.prefix(4)) == [0x06, 12, 0, 0x01])
        #expect(host.words(read.dropFirst(4)) == words)
        // A DP register block (no posting): DPIDR twice.
        #expect(host.send([0x06, 0, 2, 0, R.readDP]) == [0x06, 2, 0, 0x01, 0x77, 0x14, 0xA0, 0x2B,
                                                         0x77, 0x14, 0xA0, 0x2B])
    }

    @Test func nResetHoldsTheChipAndResetTargetRestartsIt() throws {
        let host = try CMSISDAPTestHost()
        let chip = host.probe.chip
        chip.flash.replace(with: [0x00, 0x40, 0x00, 0x20, 0x09, 0x00, 0x00, 0x00, 0xFE, 0xE7])  // b .
        chip.reset()
        #expect(!chip.isServingProbe)                                               // no packet yet: the runner runs it
        #expect(host.send([0x10, 0x00, 0x80, 0, 0, 0, 0]) == [0x10, 0x7F])          // nRESET low
        #expect(chip.isHalted)
        #expect(host.send([0x10, 0x80, 0x80, 0, 0, 0, 0]) == [0x10, 0xFF])          // released: runs
        #expect(!chip.isHalted)
        chip.halt()
        #expect(host.send([0x0A]) == [0x0A, 0x00, 0x01])
        #expect(!chip.isHalted)
        #expect(try chip.readCoreRegister(15) & ~1 == 0x08)
    }

    @Test func delayIsChargedToItsResponseAtTimeScaleOne() throws {
        let board = try ChipTestSupport.board("nrf52840dk")
        let probe = VirtualCMSISDAP(chip: try VirtualChip(board: board, clock: VirtualClock(timeScale: 1)),
                                    serial: "D")
        _ = probe.bulkOut(endpoint: 0x01, data: [0x09, 0xE8, 0x03])                 // DAP_Delay 1000 us
        _ = probe.bulkOut(endpoint: 0x01, data: [0x00, 0xFE])
        #expect(probe.bulkIn(endpoint: 0x81, capacity: 64) == .data([0x09, 0x00]))
        #expect(probe.takeReplyDelay() == 1_000)
        #expect(probe.bulkIn(endpoint: 0x81, capacity: 64) == .data([0x00, 1, 4]))
        #expect(probe.takeReplyDelay() == 0)
    }

    @Test func aTransferCutShortInThePacketIsAProtocolError() throws {
        let host = try CMSISDAPTestHost()
        host.connect()
        // Two requests announced, the write's data missing: the DPIDR read is done, then the error bit.
        #expect(host.send([0x05, 0, 2, R.readDP, R.writeDP | R.a8, 0x00]) == [0x05, 1, 0x08, 0x77, 0x14, 0xA0, 0x2B])
        #expect(host.send([0x06, 0, 3, 0, R.writeAP | R.aC, 1, 0, 0, 0]) == [0x06, 1, 0, 0x08])
    }

    @Test func writeProtectFaultKeepsThePageFromEraseAndProgram() throws {
        let board = try ChipTestSupport.board("nrf52840dk")
        let context = VirtualDeviceContext(
            board: board, spec: DeviceSpec(kind: "cmsis-dap", board: board.id, faults: [.writeProtect(.index(1))]),
            serial: "WP", stateName: "WP", clock: VirtualClock(timeScale: 0), store: nil)
        let model = try #require(try VirtualDeviceRegistry.factories["cmsis-dap"]?(context) as? VirtualCMSISDAP)
        let chip = model.chip
        chip.halt()
        chip.flash.replace(with: [UInt8](repeating: 0, count: 0x2000))
        try chip.write32(0x4001_E504, 2)
        try chip.write32(0x4001_E508, 0x1000)                                       // page 1: protected
        try chip.write32(0x4001_E508, 0x0000)
        #expect(try chip.read32(0x1000) == 0)
        #expect(try chip.read32(0x0000) == 0xFFFF_FFFF)
        var outside = context
        outside.spec.faults = [.writeProtect(.index(256))]
        #expect(throws: VirtualRigError.self) { try VirtualDeviceRegistry.factories["cmsis-dap"]?(outside) }
    }

    @Test func registryBuildsTheProbeWithItsChipAndRefusesOtherBoards() throws {
        let catalog = try ChipTestSupport.board("stm32f4-discovery")
        let context = VirtualDeviceContext(board: catalog, spec: DeviceSpec(kind: "cmsis-dap", board: catalog.id),
                                           serial: "S1", stateName: "S1", clock: VirtualClock(timeScale: 0),
                                           store: nil)
        let model = try #require(try VirtualDeviceRegistry.factories["cmsis-dap"]?(context) as? VirtualCMSISDAP)
        #expect(model.chip.dpIDCode == 0x2BA0_1477)
        var avr = context
        avr.board = try ChipTestSupport.board("uno")
        #expect(throws: VirtualRigError.self) { try VirtualDeviceRegistry.factories["cmsis-dap"]?(avr) }
        var flip = context
        flip.spec.faults = [.bitflipReadback(address: nil)]
        #expect(throws: VirtualRigError.self) { try VirtualDeviceRegistry.factories["cmsis-dap"]?(flip) }
    }
}
