import Testing

@testable import Programmers

@Suite struct STLinkCommandsTests {
    @Test func versionIsBigEndianThenLittleEndianIDs() throws {
        let version = try GetVersion().decode([0x29, 0x47, 0x83, 0x04, 0x48, 0x37])
        #expect(version == STLinkVersion(major: 2, jtag: 37, swim: 7, vendorID: 0x0483, productID: 0x3748))
        #expect(version.description == "V2J37S7")
        #expect(GetVersion().encode() == [0xF1, 0x80])
    }

    @Test func versionExOfAV3() throws {
        let reply: [UInt8] = [3, 0, 7, 4, 3, 0, 0, 0, 0x83, 0x04, 0x4F, 0x37]
        let version = try GetVersionEx().decode(reply)
        #expect(version.major == 3 && version.jtag == 7 && version.productID == 0x374F)
        #expect(version.maxByteTransfer == 512 && version.needsInitAP)
    }

    @Test func targetVoltageFromTheFactSheetExample() throws {
        let volts = try GetTargetVoltage().decode(LE.bytes(1500) + LE.bytes(2063))
        #expect(abs(volts - 3.30) < 0.005)
    }

    @Test func commandBlocksAreLaidOutAsTheHostsSendThem() {
        #expect(StatusCommand.enterSWD.encode() == [0xF2, 0x30, 0xA3])
        #expect(StatusCommand.writeDebugRegister(0xE000_EDF0, 0xA05F_0003).encode()
                == [0xF2, 0x35, 0xF0, 0xED, 0x00, 0xE0, 0x03, 0x00, 0x5F, 0xA0])
        #expect(WordCommand.readDebugRegister(0xE004_2000).encode() == [0xF2, 0x36, 0x00, 0x20, 0x04, 0xE0])
        #expect(StatusCommand.writeRegister(15, 0x2000_0000).encode() == [0xF2, 0x34, 15, 0, 0, 0, 0x20])
        #expect(WordCommand.readRegister(2).encode() == [0xF2, 0x33, 2])
        #expect(StatusCommand.swdFrequency(divisor: 3).encode() == [0xF2, 0x43, 3, 0])
        #expect(StatusCommand.driveNRST(.low).encode() == [0xF2, 0x3C, 0])
        #expect(NoReplyCommand.dfuExit.encode() == [0xF3, 0x07])
        #expect(ReadMemory(width: 4, address: 0x0800_0000, count: 4096).encode()
                == [0xF2, 0x07, 0, 0, 0, 0x08, 0x00, 0x10])
        #expect(WriteMemoryHeader(width: 1, address: 0x2000_0001, count: 3).encode()
                == [0xF2, 0x0D, 1, 0, 0, 0x20, 3, 0])
        #expect(WriteMemoryHeader(width: 2, address: 0x2000_0002, count: 2).encode()[1] == 0x48)
    }

    @Test func readAllRegistersGivesR0ToPSPAfterTheStatusWord() throws {
        #expect(ReadAllRegisters().encode() == [0xF2, 0x3A])
        let words: [UInt32] = (0..<21).map { 0x1000_0000 + $0 }
        let registers = try ReadAllRegisters().decode([0x80, 0, 0, 0] + words.flatMap { LE.bytes($0) })
        #expect(registers.count == 19)
        #expect(registers[Int(CortexMRegister.pc.rawValue)] == 0x1000_000F)
        #expect(registers[Int(CortexMRegister.psp.rawValue)] == 0x1000_0012)
        #expect(throws: STLinkError.self) { try ReadAllRegisters().decode([0x80, 0, 0, 0]) }
    }

    @Test func aOneByteReadIsAnsweredWithTwoBytes() throws {
        let request = ReadMemory(width: 1, address: 0x2000_0000, count: 1)
        #expect(request.replyLength == 2)
        #expect(try request.decode([0xAB, 0x00]) == [0xAB])
    }

    @Test func statusAndWordRepliesAreChecked() throws {
        #expect(try WordCommand.readIDCodes.decode([0x80, 0, 0, 0, 0x77, 0x14, 0xA0, 0x1B, 0, 0, 0, 0]) == 0x1BA0_1477)
        #expect(throws: STLinkError.status(command: "READ_IDCODES", code: 0x15)) {
            try WordCommand.readIDCodes.decode([0x15] + [UInt8](repeating: 0, count: 11))
        }
        #expect(throws: STLinkError.shortReply(command: "READREG 2", expected: 8, got: 2)) {
            try WordCommand.readRegister(2).decode([0x80, 0])
        }
        // OpenOCD treats JTAG_WRITE_VERIF_ERROR as success.
        try StatusCommand.resetSystem.decode([0x0D, 0])
    }

    @Test func anSWDFaultSaysToCheckTheWiring() {
        let message = STLinkError.status(command: "ENTER SWD", code: 0x12).description
        #expect(message.contains("SWD_AP_ERROR (0x12)"))
        #expect(message.contains("the target does not answer over SWD; check wiring, power"))
        #expect(STLinkError.memoryFault(address: 0x6000_0000, count: 4, status: 0x19).description
                == "access to 4 bytes at 0x60000000 failed on the target bus (SWD_AP_STICKY_ERROR): the address may "
                + "not be mapped on this chip, or the chip is read-protected")
        let error = DebugError.flashError(operation: "erase of sector 3", address: 0x0800_0C00, status: 0x34,
                                           errors: STM32FlashController(name: "stm32f1")?.errorNames(0x34) ?? [])
        #expect(error.description == "erase of sector 3 at 0x08000C00 failed: the flash controller's status register "
                + "reads 0x00000034 (PGERR, WRPRTERR); the sector may be write-protected (check the option bytes)")
    }

    @Test(arguments: [(0x3748, 0x02), (0x374B, 0x01), (0x3752, 0x01), (0x374E, 0x01), (0x374F, 0x01), (0x3753, 0x01)])
    func endpointsFollowThePID(product: Int, commandEndpoint: Int) throws {
        let model = try #require(STLinkModel.model(vendorID: 0x0483, productID: UInt16(product)))
        #expect(model.commandEndpoint == UInt8(commandEndpoint) && model.replyEndpoint == 0x81)
        #expect(model.generation == (product >= 0x374D && product != 0x3752 ? .v3 : .v2))
    }
}
