import Testing

@testable import VirtualRig

@Suite struct ChipEventLogTests {
    @Test func ledLinesNameThePinAndStartOnTheirOwnLine() throws {
        let board = try ChipTestSupport.board("bluepill")
        let log = ChipEventLog()
        #expect(log.text(for: .pin(name: "PC13", high: false), board: board) == nil)
        #expect(log.text(for: .led(name: "user", on: true), board: board) == "led user PC13 on\n")
        #expect(log.text(for: .pin(name: "PA5", high: true), board: board) == "pin PA5 high\n")
        #expect(log.text(for: .console("hel"), board: board) == "hel")
        #expect(log.text(for: .led(name: "user", on: false), board: board) == "\nled user PC13 off\n")
        #expect(log.text(for: .exit(reason: 0x20026), board: board) == "semihosting exit 0x20026 (application exit)\n")
    }

    /// A firmware's semihosting call halts the core while a debugger has C_DEBUGEN set; once the host program
    /// has gone the rig answers it.
    @Test func semihostingIsServedOnceTheHostHasLeft() throws {
        let host = try STLinkTestHost()
        host.enterSWD()
        // r0 = 4 (SYS_WRITE0), r1 = the string at 0x2000_0100; bkpt 0xab; b .
        let code: [UInt8] = [0x04, 0x20, 0x01, 0x49, 0xAB, 0xBE, 0xFE, 0xE7, 0x00, 0x01, 0x00, 0x20]
        host.stlink.chip.flash.replace(with: host.le32(0x2000_5000) + host.le32(0x0800_0009) + code)
        host.writeMemory(0x08, 0x2000_0100, Array("hi\n".utf8) + [0])
        host.writeDebugRegister(0xE000_EDF0, 0xA05F_0001)
        host.send([0xF2, 0x32], replyLength: 2)
        host.stlink.chip.run(instructions: 100)
        #expect(host.stlink.chip.haltReason == .semihosting)
        host.send([0xF2, 0x21])
        host.stlink.chip.run(instructions: 100)
        #expect(host.stlink.chip.consoleOutput == "hi\n")
        #expect(!host.stlink.chip.isHalted)
    }
}
