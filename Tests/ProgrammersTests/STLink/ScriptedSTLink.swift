@testable import Programmers

/// An `STLinkTransport` that answers by command bytes (byte 0, and byte 1 for DEBUG_COMMAND), with a small
/// memory and debug-register map, and records every command sent, for driver unit tests.
final class ScriptedSTLink: STLinkTransport {
    var version: [UInt8] = [0x29, 0x47, 0x83, 0x04, 0x48, 0x37]  // V2J37S7, 0483:3748
    var mode: UInt8 = 0  // DFU until told otherwise
    var idcode: UInt32 = 0x1BA0_1477
    var words: [UInt32: UInt32] = [:]
    var registers: [UInt8: UInt32] = [:]
    /// Status replies queued per DEBUG sub-command, used before the normal answer (e.g. WAIT twice).
    var queuedStatus: [UInt8: [UInt8]] = [:]
    var lastAccessStatus: UInt8 = 0x80
    /// Called when the host resumes the core (a DHCSR write without C_HALT), as if a loaded routine ran.
    var onRun: ((ScriptedSTLink) -> Void)?
    private(set) var sent: [[UInt8]] = []
    private(set) var written: [(address: UInt32, bytes: [UInt8])] = []

    func command(_ command: [UInt8], replyLength: Int) throws(STLinkError) -> [UInt8] {
        sent.append(command)
        let reply = answer(command)
        return Array((reply + [UInt8](repeating: 0, count: max(0, replyLength - reply.count))).prefix(replyLength))
    }

    func command(_ command: [UInt8], dataOut data: [UInt8]) throws(STLinkError) {
        sent.append(command)
        let address = LE.u32(command, at: 2)
        written.append((address, data))
        for (index, byte) in data.enumerated() { store(byte, at: address + UInt32(index)) }
    }

    /// The sub-commands of every DEBUG_COMMAND sent, in order.
    var debugSubs: [UInt8] { sent.filter { $0.first == 0xF2 }.map { $0[1] } }

    private func answer(_ command: [UInt8]) -> [UInt8] {
        switch command[0] {
        case 0xF1: return version
        case 0xF5: return [mode, 0]
        case 0xF3:
            mode = 1
            return []
        case 0xF7: return LE.bytes(1500) + LE.bytes(2063)
        case 0xF2: return debug(command)
        default: return []
        }
    }

    private func debug(_ command: [UInt8]) -> [UInt8] {
        let sub = command[1]
        if var queue = queuedStatus[sub], let status = queue.first {
            queue.removeFirst()
            queuedStatus[sub] = queue
            return [status, 0, 0, 0, 0, 0, 0, 0]
        }
        let ok: [UInt8] = [0x80, 0]
        switch sub {
        case 0x30:
            mode = 2
            return ok
        case 0x21:
            mode = 1
            return []
        case 0x31: return [0x80, 0, 0, 0] + LE.bytes(idcode) + [0, 0, 0, 0]
        case 0x36: return [0x80, 0, 0, 0] + LE.bytes(word(LE.u32(command, at: 2)))
        case 0x35:
            let address = LE.u32(command, at: 2), value = LE.u32(command, at: 6)
            // FLASH_SR (F1 and F4) is write-1-to-clear: the flags a host writes read back clear.
            words[address] = address == 0x4002_200C || address == 0x4002_3C0C ? 0 : value
            if address == 0xE000_EDF0, value & 3 == 1 {
                onRun?(self)
                words[address] = 0x0003_0003
            }
            return ok
        case 0x33: return [0x80, 0, 0, 0] + LE.bytes(registers[command[2]] ?? 0)
        case 0x34:
            registers[command[2]] = LE.u32(command, at: 3)
            return ok
        case 0x07, 0x0C, 0x47:
            let address = LE.u32(command, at: 2), count = Int(LE.u16(command, at: 6))
            return (0..<count).map { load(address + UInt32($0)) }
        case 0x3E: return [lastAccessStatus] + [UInt8](repeating: 0, count: 11)
        default: return ok
        }
    }

    func word(_ address: UInt32) -> UInt32 {
        if let value = words[address] { return value }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(load(address + UInt32($1))) << ($1 * 8) }
    }

    private var bytes: [UInt32: UInt8] = [:]
    func load(_ address: UInt32) -> UInt8 {
        if let value = words[address & ~3] { return UInt8(truncatingIfNeeded: value >> ((address & 3) * 8)) }
        return bytes[address] ?? 0
    }

    func store(_ byte: UInt8, at address: UInt32) {
        bytes[address] = byte
        words[address & ~3] = nil
    }
}
