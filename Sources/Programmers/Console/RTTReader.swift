/// Reads SEGGER RTT up-buffer 0 through the debug port (adiv5-cortexm-debug.md section 8): find the control block
/// by its ID in RAM, then copy [RdOff, WrOff) out of the ring and publish the new RdOff.
public final class RTTReader {
    public let debug: DebugAccess
    /// Address of the control block's "SEGGER RTT" ID.
    public let controlBlock: UInt32
    /// What hosts match, as OpenOCD's `rtt setup … "SEGGER RTT"` does; the rest of the 16-byte field is ignored.
    static let identifier = Array("SEGGER RTT".utf8)

    public init(debug: DebugAccess, controlBlock: UInt32) {
        self.debug = debug
        self.controlBlock = controlBlock
    }

    /// Scans `range` of RAM in 4 KiB pieces (overlapping by a block's header) for the control block. A match must
    /// also look like one (1 to 16 up buffers, at most 16 down buffers): a stale copy of the firmware's bytes
    /// left in RAM by a flash loader holds the ID too, but not the counts after it.
    public static func find(in range: Range<UInt32>, debug: DebugAccess) throws -> UInt32? {
        let header = 24
        var here = range.lowerBound
        while here < range.upperBound {
            let count = Int(min(4096 + UInt32(header), range.upperBound - here))
            let bytes = try debug.readMemory(here, count: count)
            if count >= header {
                for offset in stride(from: 0, through: count - header, by: 4)
                where bytes[offset] == identifier[0]
                    && Array(bytes[offset..<(offset + identifier.count)]) == identifier
                    && (1...16).contains(LE.u32(bytes, at: offset + 16)) && LE.u32(bytes, at: offset + 20) <= 16 {
                    return here + UInt32(offset)
                }
            }
            here += 4096
        }
        return nil
    }

    /// New bytes in up-buffer 0, or empty when there are none.
    public func poll() throws -> [UInt8] {
        let descriptor = controlBlock + 24
        let fields = try debug.readMemory(descriptor, count: 24)
        let buffer = LE.u32(fields, at: 4), size = LE.u32(fields, at: 8)
        let write = LE.u32(fields, at: 12), read = LE.u32(fields, at: 16)
        guard size > 0, write < size, read < size, write != read else { return [] }
        var bytes: [UInt8]
        if write > read {
            bytes = try debug.readMemory(buffer + read, count: Int(write - read))
        } else {
            bytes = try debug.readMemory(buffer + read, count: Int(size - read))
            if write > 0 { bytes += try debug.readMemory(buffer, count: Int(write)) }
        }
        try debug.writeMemory(descriptor + 16, LE.bytes(write))
        return bytes
    }
}
