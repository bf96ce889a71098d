import Testing

@testable import Programmers

/// A target made of a memory map and a register file, for the semihosting and RTT hosts.
final class FakeTarget: DebugAccess {
    var memory: [UInt32: UInt8] = [:]
    var registers: [CortexMRegister: UInt32] = [:]
    var dhcsr: UInt32 = 0x0001_0001
    var runs = 0
    /// Every memory read and register write, to count the round trips a host costs.
    var reads: [UInt32] = []
    var registerWrites: [CortexMRegister] = []

    func place(_ bytes: [UInt8], at address: UInt32) {
        for (index, byte) in bytes.enumerated() { memory[address + UInt32(index)] = byte }
    }

    func readMemory(_ address: UInt32, count: Int) throws -> [UInt8] {
        reads.append(address)
        return (0..<count).map { memory[address + UInt32($0)] ?? 0 }
    }
    func writeMemory(_ address: UInt32, _ bytes: [UInt8]) throws { place(bytes, at: address) }
    func readCoreRegister(_ register: CortexMRegister) throws -> UInt32 { registers[register] ?? 0 }
    func writeCoreRegister(_ register: CortexMRegister, _ value: UInt32) throws {
        registerWrites.append(register)
        registers[register] = value
    }
    func debugStatus() throws -> UInt32 { dhcsr }
    func halt() throws { dhcsr |= CortexM.sHalt }
    func run(maskInterrupts: Bool) throws {
        runs += 1
        dhcsr &= ~CortexM.sHalt
    }
    func reset(halt: Bool) throws {}

    /// Halts at `pc` on `BKPT 0xAB` with the call in r0/r1.
    func semihostingCall(_ operation: UInt32, _ argument: UInt32, pc: UInt32 = 0x0800_0102) {
        place([0xAB, 0xBE], at: pc)
        registers[.pc] = pc
        registers[.r0] = operation
        registers[.r1] = argument
        dhcsr |= CortexM.sHalt
    }
}

@Suite struct SemihostingHostTests {
    @Test func write0ReadsTheStringStepsPastTheBreakpointAndResumes() throws {
        let target = FakeTarget()
        target.place(Array("Hello from bluepill\n".utf8) + [0], at: 0x0800_0200)
        target.semihostingCall(0x04, 0x0800_0200)
        let host = SemihostingHost(debug: target)
        #expect(try host.poll() == .output(Array("Hello from bluepill\n".utf8)))
        #expect(target.registers[.pc] == 0x0800_0104)
        #expect(target.runs == 1)
        #expect(try host.poll() == nil, "the core is running again")
    }

    @Test func aSecondCallFromTheSameBreakpointSkipsReadingTheInstructionAndWrite0LeavesR0() throws {
        let target = FakeTarget()
        target.place(Array("PASS: a\n".utf8) + [0], at: 0x2000_0200)
        target.semihostingCall(0x04, 0x2000_0200)
        let host = SemihostingHost(debug: target)
        #expect(try host.poll() == .output(Array("PASS: a\n".utf8)))
        #expect(target.reads == [0x0800_0100, 0x2000_0200], "the instruction, then the string")
        #expect(target.registerWrites == [.pc], "SYS_WRITE0 returns nothing in r0")
        target.reads = []
        target.semihostingCall(0x04, 0x2000_0200)
        #expect(try host.poll() == .output(Array("PASS: a\n".utf8)))
        #expect(target.reads == [0x2000_0200], "a known BKPT 0xAB is not read again")
        // The same address halted in a lockup is looked at again.
        target.place([0x00, 0xBE], at: 0x0800_0102)
        target.registers[.pc] = 0x0800_0102
        target.dhcsr |= CortexM.sHalt | CortexM.sLockup
        guard case .stopped(_, let reason) = try host.poll() else {
            Issue.record("a lockup must stop the console")
            return
        }
        #expect(reason == "BKPT #0")
    }

    @Test func sysWriteReturnsZeroBytesLeftAndWriteCOneCharacter() throws {
        let target = FakeTarget()
        target.place(Array("abc".utf8), at: 0x2000_0100)
        target.place(LE.bytes(1) + LE.bytes(0x2000_0100) + LE.bytes(3), at: 0x2000_0000)
        target.semihostingCall(0x05, 0x2000_0000)
        let host = SemihostingHost(debug: target)
        #expect(try host.poll() == .output(Array("abc".utf8)))
        #expect(target.registers[.r0] == 0)
        target.semihostingCall(0x03, 0x2000_0101, pc: 0x0800_0106)
        #expect(try host.poll() == .output(Array("b".utf8)))
    }

    @Test func exitReportsSuccessOnlyForApplicationExit() throws {
        let target = FakeTarget()
        let host = SemihostingHost(debug: target)
        target.semihostingCall(0x18, 0x20026)
        #expect(try host.poll() == .exit(success: true, reason: 0x20026, code: 0))
        #expect(target.runs == 0, "an exited program stays halted")
        target.semihostingCall(0x18, 0x20023)
        #expect(try host.poll() == .exit(success: false, reason: 0x20023, code: 0))
        target.place(LE.bytes(0x20026) + LE.bytes(3), at: 0x2000_0000)
        target.semihostingCall(0x20, 0x2000_0000)
        #expect(try host.poll() == .exit(success: false, reason: 0x20026, code: 3))
    }

    @Test func anotherBreakpointIsAStop() throws {
        let target = FakeTarget()
        target.place([0x00, 0xBE], at: 0x0800_0300)
        target.registers[.pc] = 0x0800_0300
        target.dhcsr |= CortexM.sHalt
        #expect(try SemihostingHost(debug: target).poll() == .stopped(pc: 0x0800_0300, reason: "BKPT #0"))
    }

    @Test func openOfTheConsoleGivesAHandle() throws {
        let target = FakeTarget()
        target.place(Array(":tt".utf8) + [0], at: 0x0800_0400)
        target.place(LE.bytes(0x0800_0400) + LE.bytes(4) + LE.bytes(3), at: 0x2000_0000)
        target.semihostingCall(0x01, 0x2000_0000)
        _ = try SemihostingHost(debug: target).poll()
        #expect(target.registers[.r0] == 2)
    }
}

@Suite struct RTTReaderTests {
    @Test func findsTheControlBlockAndReadsAcrossTheWrap() throws {
        let target = FakeTarget()
        let block: UInt32 = 0x2000_1234 & ~3
        target.place(Array("SEGGER RTT".utf8) + [0, 0, 0, 0, 0, 0] + LE.bytes(1) + LE.bytes(1), at: block)
        // Up buffer 0: an 8-byte ring at 0x20000100, WrOff 2 and RdOff 5, so the data wraps: "def" then "xy".
        target.place(LE.bytes(0) + LE.bytes(0x2000_0100) + LE.bytes(8) + LE.bytes(2) + LE.bytes(5) + LE.bytes(0),
                     at: block + 24)
        target.place(Array("xyABCdef".utf8), at: 0x2000_0100)
        // A stale copy of the firmware's bytes (left by a flash loader) holds the ID but not plausible counts.
        target.place(Array("SEGGER RTT".utf8) + [0, 0, 0, 0, 0, 0] + LE.bytes(0xE7FE_4770) + LE.bytes(7),
                     at: 0x2000_0888)
        let found = try RTTReader.find(in: 0x2000_0000..<0x2000_5000, debug: target)
        #expect(found == block)
        let reader = RTTReader(debug: target, controlBlock: block)
        #expect(try reader.poll() == Array("defxy".utf8))
        #expect(LE.u32(try target.readMemory(block + 24 + 16, count: 4), at: 0) == 2)
        #expect(try reader.poll().isEmpty)
    }
}

@Suite struct ConsoleWatcherTests {
    @Test func expectPassesAndFailWinsOverIt() throws {
        var watcher = try ConsoleWatcher(expect: "Hello from \\w+", fail: "panic")
        #expect(watcher.feed(Array("Hel".utf8)) == nil)
        #expect(watcher.feed(Array("lo from bluepill\n".utf8)) == .passed("Hello from bluepill"))
        var both = try ConsoleWatcher(expect: "Hello", fail: "panic")
        #expect(both.feed(Array("Hello... panic!".utf8)) == .failed("panic"))
    }

    @Test(arguments: ["12 Tests 2 Failures 0 Ignored\n", "FAIL\n", "x\nFAILED\n", "unit-test: 4 passed, 1 failed\n"])
    func unitTestSummariesWithFailuresFailWithoutAFailPattern(text: String) throws {
        var watcher = try ConsoleWatcher(expect: nil, fail: nil)
        #expect(watcher.feed(Array(text.utf8)).map { if case .failed = $0 { true } else { false } } == true)
    }

    @Test func aCleanSummaryAndExitsDecide() throws {
        var watcher = try ConsoleWatcher(expect: nil, fail: nil)
        #expect(watcher.feed(Array("12 Tests 0 Failures 0 Ignored\nOK\nunit-test: 5 passed, 0 failed\n".utf8)) == nil)
        #expect(watcher.exited(success: true, reason: "") == .passed("the firmware exited normally"))
        let expecting = try ConsoleWatcher(expect: "never", fail: nil)
        #expect(expecting.exited(success: true, reason: "")
                == .failed("the firmware exited before printing what --expect asks for"))
        #expect(throws: DebugError.self) { try ConsoleWatcher(expect: "(", fail: nil) }
    }
}
