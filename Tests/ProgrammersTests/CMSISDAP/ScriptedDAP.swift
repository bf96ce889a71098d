import USB

@testable import Programmers

/// A `CMSISDAPTransport` that answers like a CMSIS-DAP v2 probe on a Cortex-M: DAP_Info, the SWD setup commands,
/// and DAP_Transfer/DAP_TransferBlock over a DP (SELECT, CTRL/STAT, sticky error, ABORT) and an AHB-AP (CSW, TAR
/// that wraps at 1 KiB like the hardware, DRW) backed by a word map. Knobs inject WAIT and FAULT answers and short
/// responses; every packet sent and the most responses ever pending are recorded, for driver unit tests.
final class ScriptedDAP: CMSISDAPTransport {
    var packetSize = 64
    var packetCount = 4
    var dpIDCode: UInt32 = 0x2BA0_1477
    var words: [UInt32: UInt32] = [0xE000_EDF0: 0x0003_0003, 0x4001_E400: 1]
    /// Target addresses whose AP access answers FAULT (and sets STICKYERR).
    var faulting: Range<UInt32>?
    /// How many of the next AP accesses answer WAIT (as if the probe's own retries ran out).
    var waits = 0
    /// Responses of the commands with these 0-based indexes (counted over every packet sent) lose their last byte.
    var shortened: Set<Int> = []
    /// Called with each AP write to a target address, in order.
    var onWrite: ((UInt32, UInt32) -> Void)?
    private(set) var sent: [[UInt8]] = []
    private(set) var aborts: [UInt32] = []
    private(set) var mostPending = 0
    private var pending: [[UInt8]] = []
    private var select: UInt32 = 0, csw: UInt32 = 0, tar: UInt32 = 0, ctrlStat: UInt32 = 0
    private var sticky = false
    private var lastRead: UInt32 = 0

    func send(_ packet: [UInt8]) throws(CMSISDAPError) {
        var response = answer(packet)
        if shortened.contains(sent.count) { response.removeLast() }
        sent.append(packet)
        pending.append(response)
        mostPending = max(mostPending, pending.count)
    }

    func receive(length: Int) throws(CMSISDAPError) -> [UInt8] {
        guard !pending.isEmpty else { throw .usb(.timeout(operation: "bulk IN on 0x81", milliseconds: 3000)) }
        return pending.removeFirst()
    }

    /// The command IDs sent, in order.
    var commands: [UInt8] { sent.map { $0[0] } }

    private func answer(_ packet: [UInt8]) -> [UInt8] {
        let id = packet[0]
        switch id {
        case 0x00: return [0x00] + info(packet[1])
        case 0x02: return [0x02, packet[1]]
        case 0x05: return transfer(packet)
        case 0x06: return block(packet)
        case 0x08:
            let value = LE.u32(packet, at: 2)
            aborts.append(value)
            if value & 0x04 != 0 { sticky = false }
            return [0x08, 0]
        case 0x0A: return [0x0A, 0, 0]
        case 0x10: return [0x10, 0xFF]
        case 0x01, 0x03, 0x04, 0x09, 0x11, 0x12, 0x13: return [id, 0]
        default: return [0xFF]
        }
    }

    private func info(_ item: UInt8) -> [UInt8] {
        func text(_ string: String) -> [UInt8] {
            let bytes = Array(string.utf8) + [0]
            return [UInt8(bytes.count)] + bytes
        }
        switch item {
        case 0xFF: return [2] + LE.bytes16(UInt16(packetSize))
        case 0xFE: return [1, UInt8(packetCount)]
        case 0xF0: return [1, 0x11]
        case 0x03: return text("0240000034544E45")
        case 0x04: return text("2.1.0")
        default: return [0]
        }
    }

    private func transfer(_ packet: [UInt8]) -> [UInt8] {
        let count = Int(packet[2])
        var offset = 3, done = 0, ack: UInt8 = 1
        var data: [UInt8] = []
        while done < count {
            let request = packet[offset]
            offset += 1
            var value: UInt32 = 0
            if request & 2 == 0 {
                value = LE.u32(packet, at: offset)
                offset += 4
            }
            let (answer, read) = access(request, value)
            ack = answer
            guard answer == 1 else { break }
            if let read { data += LE.bytes(read) }
            done += 1
        }
        return [0x05, UInt8(done), ack] + data
    }

    private func block(_ packet: [UInt8]) -> [UInt8] {
        let count = Int(LE.u16(packet, at: 2))
        let request = packet[4]
        var done = 0, ack: UInt8 = 1
        var data: [UInt8] = []
        while done < count {
            let value = request & 2 == 0 ? LE.u32(packet, at: 5 + done * 4) : 0
            let (answer, read) = access(request, value)
            ack = answer
            guard answer == 1 else { break }
            if let read { data += LE.bytes(read) }
            done += 1
        }
        return [0x06] + LE.bytes16(UInt16(done)) + [ack] + data
    }

    /// One register access: the ACK, and the value of a read (already un-posted, as real firmware returns it).
    private func access(_ request: UInt8, _ value: UInt32) -> (UInt8, UInt32?) {
        let read = request & 2 != 0, address = request & 0x0C
        guard request & 1 == 1 else {
            switch (address, read) {
            case (0x0, true): return (1, dpIDCode)
            case (0x4, true):
                return (1, ctrlStat | (ctrlStat & 0x5000_0000) << 1 | (sticky ? 0x20 : 0))
            case (0x4, false): ctrlStat = value
            case (0x8, false): select = value
            case (0xC, true): return (1, lastRead)
            default: break
            }
            return (1, read ? 0 : nil)
        }
        if sticky { return (4, nil) }
        if waits > 0 {
            waits -= 1
            return (2, nil)
        }
        switch (select & 0xF0) | UInt32(address) {
        case 0x00:
            if !read { csw = value }
            return (1, read ? csw : nil)
        case 0x04:
            if !read { tar = value }
            return (1, read ? tar : nil)
        case 0x0C:
            if let faulting, faulting.contains(tar) {
                sticky = true
                return (4, nil)
            }
            let here = tar
            let size: UInt32 = csw & 7 == 0 ? 1 : 4
            if csw & 0x30 == 0x10 { tar = (tar & ~0x3FF) | ((tar + size) & 0x3FF) }
            if read {
                lastRead = words[here & ~3] ?? 0
                return (1, lastRead)
            }
            if size == 1 {
                let shift = (here & 3) * 8
                let old = words[here & ~3] ?? 0
                words[here & ~3] = old & ~(0xFF << shift) | (value & (0xFF << shift))
            } else if here != 0xE000_EDF0 {
                // DHCSR keeps reading halted with S_REGRDY: what a write asked for is only recorded.
                words[here] = value
            }
            onWrite?(here, value)
            return (1, nil)
        case 0xFC: return (1, read ? 0x2477_0011 : nil)
        default: return (1, read ? 0 : nil)
        }
    }
}
