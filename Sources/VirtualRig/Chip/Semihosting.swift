import Foundation

/// The rig's own semihosting host (ARM "Semihosting for AArch32 and AArch64", OpenOCD semihosting_common.c):
/// console output and exit, enough for firmware that prints and stops. Files other than the console are not
/// offered; calls the rig does not serve return -1 in r0.
struct Semihosting {
    enum Operation {
        static let open: UInt32 = 0x01, close: UInt32 = 0x02, writeC: UInt32 = 0x03, write0: UInt32 = 0x04
        static let write: UInt32 = 0x05, read: UInt32 = 0x06, readC: UInt32 = 0x07, isTTY: UInt32 = 0x09
        static let flen: UInt32 = 0x0C, clock: UInt32 = 0x10, time: UInt32 = 0x11, errno: UInt32 = 0x13
        static let heapInfo: UInt32 = 0x16, exit: UInt32 = 0x18, exitExtended: UInt32 = 0x20
    }

    /// What the call did: r0's new value, console bytes, and an exit reason if it asked to stop.
    struct Outcome {
        var result: UInt32?
        var output: [UInt8] = []
        var exit: UInt32?
    }

    /// Longest string SYS_WRITE0 reads, so a missing terminator cannot run through all of memory.
    static let maximumString = 64 * 1024

    let readWord: (UInt32) -> UInt32?
    let readBytes: (UInt32, Int) -> [UInt8]?
    let writeWord: (UInt32, UInt32) -> Void
    let centiseconds: () -> UInt32

    func serve(operation: UInt32, parameter: UInt32) -> Outcome {
        var outcome = Outcome()
        switch operation {
        case Operation.writeC:
            outcome.output = readBytes(parameter, 1) ?? []
        case Operation.write0:
            outcome.output = readString(at: parameter)
        case Operation.write:
            let handle = readWord(parameter) ?? 0
            let buffer = readWord(parameter + 4) ?? 0
            let length = Int(readWord(parameter + 8) ?? 0)
            if handle == 1 || handle == 2, let bytes = readBytes(buffer, min(length, 1 << 20)) {
                outcome.output = bytes
                outcome.result = UInt32(length - bytes.count)
            } else {
                outcome.result = UInt32(length)
            }
        case Operation.open:
            // ":tt" opens the console: mode 0-3 stdin (0), 4-7 stdout (1), 8-11 stderr (2).
            let mode = readWord(parameter + 4) ?? 0
            outcome.result = min(mode / 4, 2)
        case Operation.close, Operation.errno, Operation.flen:
            outcome.result = 0
        case Operation.isTTY:
            outcome.result = 1
        case Operation.clock:
            outcome.result = centiseconds()
        case Operation.time:
            outcome.result = UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970))
        case Operation.heapInfo:
            // Four zero words: let the C library use its linker-script defaults.
            if let block = readWord(parameter) {
                for index in 0..<4 { writeWord(block + UInt32(index * 4), 0) }
            }
            outcome.result = 0
        case Operation.exit:
            outcome.exit = parameter
        case Operation.exitExtended:
            outcome.exit = readWord(parameter) ?? parameter
        default:
            outcome.result = UInt32(bitPattern: -1)
        }
        return outcome
    }

    private func readString(at address: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        var address = address
        while bytes.count < Self.maximumString, let chunk = readBytes(address, 1), let byte = chunk.first, byte != 0 {
            bytes.append(byte)
            address += 1
        }
        return bytes
    }
}
