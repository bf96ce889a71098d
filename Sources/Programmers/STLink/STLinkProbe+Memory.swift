/// Target memory through the probe's READMEM/WRITEMEM commands, split to the probe's limits: what the shared
/// Cortex-M layer needs from an ST-Link.
extension STLinkProbe: DebugProbe {
    /// 32-bit transfers stay within one 4 KiB block: the AHB-AP's address auto-increment wraps there on
    /// Cortex-M3/M4 and the probe does not split for us (OpenOCD splits the same way, stlink.md section 4).
    static let autoIncrementBlock = 4096
    /// STLINK_DATA_SIZE, the most a 16/32-bit transfer carries (stlink.md section 4, size limits).
    static let maxWordTransfer = 6144

    /// Reads `count` bytes at `address`: word transfers for the aligned middle, byte transfers for the edges.
    public func readMemory(_ address: UInt32, count: Int) throws(STLinkError) -> [UInt8] {
        try readMemory(address, count: count, checked: true)
    }

    /// Writes `bytes` at `address` the same way; every transfer's bus status is checked.
    public func writeMemory(_ address: UInt32, _ bytes: [UInt8]) throws(STLinkError) {
        try writeMemory(address, bytes, checked: true)
    }

    /// `checked: false` skips asking for each transfer's bus status: one USB round trip less, for RAM atelier
    /// already wrote and read successfully (its routines' parameters), where a fault would show in the results.
    public func readMemory(_ address: UInt32, count: Int, checked: Bool) throws(STLinkError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for piece in pieces(address, count) {
            bytes += try readPiece(piece.address, piece.count, width: piece.width, checked: checked)
        }
        return bytes
    }

    public func writeMemory(_ address: UInt32, _ bytes: [UInt8], checked: Bool) throws(STLinkError) {
        var offset = 0
        for piece in pieces(address, bytes.count) {
            let header = WriteMemoryHeader(width: piece.width, address: piece.address, count: piece.count)
            try transport.command(header.encode(), dataOut: Array(bytes[offset..<(offset + piece.count)]))
            if checked { try checkLastAccess(piece.address, piece.count) }
            offset += piece.count
        }
    }

    /// Half-words with READMEM_16BIT where the firmware has it (flash-size registers are 16-bit wide).
    public func read16(_ address: UInt32) throws(STLinkError) -> UInt16 {
        guard address % 2 == 0 else {
            throw .invalidRequest("a 16-bit read needs an even address, not \(hexWord(address))")
        }
        let bytes: [UInt8]
        if version.has16BitMemory {
            bytes = try readPiece(address, 2, width: 2)
        } else {
            bytes = try readPiece(address, 2, width: 1)
        }
        return UInt16(bytes[0]) | UInt16(bytes[1]) << 8
    }

    public func read32(_ address: UInt32) throws(STLinkError) -> UInt32 {
        try readDebugRegister(address)
    }

    public func write32(_ address: UInt32, _ value: UInt32) throws(STLinkError) {
        try writeDebugRegister(address, value)
    }

    private func readPiece(_ address: UInt32, _ count: Int, width: Int, checked: Bool = true)
        throws(STLinkError) -> [UInt8]
    {
        let request = ReadMemory(width: width, address: address, count: count)
        let bytes = try request.decode(transport.command(request.encode(), replyLength: request.replyLength))
        if checked { try checkLastAccess(address, count) }
        return bytes
    }

    /// A memory command has no status of its own; the last access's status is asked for separately.
    private func checkLastAccess(_ address: UInt32, _ count: Int) throws(STLinkError) {
        let request = version.hasGetLastRWStatus2 ? StatusCommand.lastRWStatus2 : StatusCommand.lastRWStatus
        do {
            try execute(request)
        } catch .status(_, let code) {
            throw .memoryFault(address: address, count: count, status: code)
        }
    }

    struct Piece: Equatable {
        var address: UInt32
        var count: Int
        var width: Int
    }

    /// Splits a range into byte transfers up to the first word boundary, word transfers within 4 KiB blocks, and
    /// byte transfers for the tail. Pure, so it is tested with tables.
    func pieces(_ address: UInt32, _ count: Int) -> [Piece] {
        var result: [Piece] = []
        var here = UInt64(address)
        let end = UInt64(address) + UInt64(count)
        let byteLimit = version.maxByteTransfer
        while here < end {
            let remaining = Int(end - here)
            if here % 4 != 0 || remaining < 4 {
                let toBoundary = here % 4 == 0 ? remaining : Int(4 - here % 4)
                let size = min(remaining, toBoundary, byteLimit)
                result.append(Piece(address: UInt32(truncatingIfNeeded: here), count: size, width: 1))
                here += UInt64(size)
                continue
            }
            let toBlock = Self.autoIncrementBlock - Int(here % UInt64(Self.autoIncrementBlock))
            let size = min(remaining & ~3, toBlock, Self.maxWordTransfer)
            result.append(Piece(address: UInt32(truncatingIfNeeded: here), count: size, width: 4))
            here += UInt64(size)
        }
        return result
    }
}
