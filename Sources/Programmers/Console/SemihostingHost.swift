import Foundation

/// Serves ARM semihosting calls for a running Cortex-M through its debug port (adiv5-cortexm-debug.md section 7):
/// when the core halts on `BKPT 0xAB`, r0 names the call and r1 its argument; the host does the work by reading
/// target memory, puts the result in r0, steps PC past the BKPT and resumes.
public final class SemihostingHost {
    /// What one poll found.
    public enum Event: Equatable, Sendable {
        /// Bytes the firmware wrote to the console.
        case output([UInt8])
        /// SYS_EXIT or SYS_EXIT_EXTENDED: `success` when the reason is ADP_Stopped_ApplicationExit with code 0.
        case exit(success: Bool, reason: UInt32, code: UInt32)
        /// The core stopped for something other than a semihosting call (another BKPT, a lockup).
        case stopped(pc: UInt32, reason: String)
    }

    /// Call numbers (Arm semihosting, as OpenOCD's semihosting_common.h lists them).
    enum Call: UInt32 {
        case open = 0x01, close = 0x02, writeC = 0x03, write0 = 0x04, write = 0x05, read = 0x06, readC = 0x07
        case isError = 0x08, isTTY = 0x09, seek = 0x0A, flen = 0x0C, clock = 0x10, time = 0x11, errno = 0x13
        case getCommandLine = 0x15, heapInfo = 0x16, exit = 0x18, exitExtended = 0x20
    }

    /// ADP_Stopped_ApplicationExit: a normal end (reason code in r1 for SYS_EXIT on 32-bit targets).
    public static let applicationExit: UInt32 = 0x20026
    static let bkptSemihosting: UInt16 = 0xBEAB

    public let debug: DebugAccess
    private let started = Date()
    /// SYS_WRITE0 strings are read in pieces up to this length, so a missing NUL cannot read forever.
    var maximumString = 4096
    /// Addresses already found to hold `BKPT 0xAB`. A firmware calls semihosting from one or two places, and its
    /// code does not change under it, so each call after the first saves reading the instruction again.
    private var knownCalls: Set<UInt32> = []

    public init(debug: DebugAccess) {
        self.debug = debug
    }

    /// Checks the core once; serves a pending call and resumes it. Returns nil when the core is running.
    public func poll() throws -> Event? {
        let status = try debug.debugStatus()
        guard status & CortexM.sHalt != 0 else { return nil }
        // PC, r0 (the call) and r1 (its argument) in one transfer where the probe allows.
        let registers = try debug.readCoreRegisters([.pc, .r0, .r1])
        let pc = registers[0]
        if status & CortexM.sLockup != 0 || !knownCalls.contains(pc) {
            let instruction = try halfWord(at: pc & ~1)
            guard instruction == Self.bkptSemihosting else {
                let reason = instruction & 0xFF00 == 0xBE00
                    ? "BKPT #\(instruction & 0xFF)"
                    : status & CortexM.sLockup != 0 ? "lockup (a fault in a fault handler)"
                    : "halt (instruction \(String(format: "0x%04X", instruction)))"
                return .stopped(pc: pc, reason: reason)
            }
            knownCalls.insert(pc)
        }
        let operation = registers[1]
        let argument = registers[2]
        let (event, result) = try serve(operation, argument)
        if case .exit = event { return event }
        // SYS_WRITEC and SYS_WRITE0 return nothing (r0 is "corrupted" on return): one USB round trip less per line.
        if operation != Call.writeC.rawValue && operation != Call.write0.rawValue {
            try debug.writeCoreRegister(.r0, result)
        }
        try debug.writeCoreRegister(.pc, pc + 2)
        try debug.run(maskInterrupts: false)
        return event ?? .output([])
    }

    /// Does one call; returns what the user should see and the value for r0.
    private func serve(_ operation: UInt32, _ argument: UInt32) throws -> (Event?, UInt32) {
        guard let call = Call(rawValue: operation) else { return (nil, UInt32.max) }
        switch call {
        case .writeC:
            return (.output(try debug.readMemory(argument, count: 1)), 0)
        case .write0:
            return (.output(try string(at: argument)), 0)
        case .write:
            let block = try words(at: argument, count: 3)
            let length = Int(block[2])
            let bytes = length == 0 ? [] : try debug.readMemory(block[1], count: length)
            return (.output(bytes), 0)
        case .open:
            // newlib and picolibc open ":tt" for stdin, stdout and stderr; files on the host are not offered.
            let block = try words(at: argument, count: 3)
            let name = try debug.readMemory(block[0], count: Int(min(block[2], 64)))
            guard name == Array(":tt".utf8) else { return (nil, UInt32.max) }
            return (nil, block[1] < 4 ? 1 : block[1] < 8 ? 2 : 3)
        case .close, .seek, .errno, .isError:
            return (nil, 0)
        case .isTTY:
            return (nil, 1)
        case .flen, .readC:
            return (nil, UInt32.max)
        case .read:
            // Nothing to read: "all bytes not read".
            return (nil, try words(at: argument, count: 3)[2])
        case .clock:
            return (nil, UInt32(Date().timeIntervalSince(started) * 100))
        case .time:
            return (nil, UInt32(Date().timeIntervalSince1970))
        case .getCommandLine:
            let block = try words(at: argument, count: 2)
            if block[1] > 0 { try debug.writeMemory(block[0], [0]) }
            try debug.writeMemory(argument + 4, LE.bytes(0))
            return (nil, 0)
        case .heapInfo:
            // Zeros tell the C library to use its linker-script defaults.
            let pointer = try words(at: argument, count: 1)[0]
            try debug.writeMemory(pointer, [UInt8](repeating: 0, count: 16))
            return (nil, 0)
        case .exit:
            return (.exit(success: argument == Self.applicationExit, reason: argument, code: 0), 0)
        case .exitExtended:
            let block = try words(at: argument, count: 2)
            return (.exit(success: block[0] == Self.applicationExit && block[1] == 0, reason: block[0], code: block[1]),
                    0)
        }
    }

    private func halfWord(at address: UInt32) throws -> UInt16 {
        let word = LE.u32(try debug.readMemory(address & ~3, count: 4), at: 0)
        return UInt16(truncatingIfNeeded: address & 2 != 0 ? word >> 16 : word)
    }

    private func words(at address: UInt32, count: Int) throws -> [UInt32] {
        let bytes = try debug.readMemory(address, count: count * 4)
        return (0..<count).map { LE.u32(bytes, at: $0 * 4) }
    }

    /// A NUL-terminated string read 64 bytes at a time.
    private func string(at address: UInt32) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var here = address
        while bytes.count < maximumString {
            let piece = 64 - Int(here % 64)
            let chunk = try debug.readMemory(here, count: piece)
            if let end = chunk.firstIndex(of: 0) { return bytes + chunk[..<end] }
            bytes += chunk
            here += UInt32(piece)
        }
        return bytes
    }
}
