/// Target memory through the AHB-AP (AP 0) as DP/AP register transfers: SELECT bank 0, CSW for the access size,
/// TAR for the address, DRW for the data. Blocks go as DAP_TransferBlock on DRW, split where TAR's auto-increment
/// wraps (1 KiB) and to the packet size, and are streamed with several packets in flight.
extension CMSISDAPProbe: DebugProbe {
    public func read32(_ address: UInt32) throws(CMSISDAPError) -> UInt32 {
        try retryingWait { () throws(CMSISDAPError) in
            let values = try transfer(setup(csw: ADIv5.cswWord) + [.write(.tar, address), .read(.drw)],
                                      memory: (address, 4))
            return values.last ?? 0
        }
    }

    public func write32(_ address: UInt32, _ value: UInt32) throws(CMSISDAPError) {
        try retryingWait { () throws(CMSISDAPError) in
            _ = try transfer(setup(csw: ADIv5.cswWord) + [.write(.tar, address), .write(.drw, value)],
                             memory: (address, 4))
        }
    }

    /// Reads the words covering the range and keeps the bytes asked for (reading a RAM or flash word in full is
    /// harmless, and Cortex-M AHB-APs do not pack byte reads).
    public func readMemory(_ address: UInt32, count: Int) throws(CMSISDAPError) -> [UInt8] {
        guard count > 0 else { return [] }
        let start = address & ~3
        let end = (UInt64(address) + UInt64(count) + 3) & ~3
        guard end <= 1 << 32 else {
            throw .invalidRequest("\(count) bytes at \(hexWord(address)) run past the 32-bit address space")
        }
        let words = try readWords(start, count: Int((end - UInt64(start)) / 4))
        let offset = Int(address - start)
        return Array(words.flatMap(LE.bytes)[offset..<(offset + count)])
    }

    /// Writes the unaligned edges as byte transfers (CSW 8-bit, the byte on its lane) and the middle as streamed
    /// word blocks.
    public func writeMemory(_ address: UInt32, _ bytes: [UInt8]) throws(CMSISDAPError) {
        guard !bytes.isEmpty else { return }
        guard UInt64(address) + UInt64(bytes.count) <= 1 << 32 else {
            throw .invalidRequest("\(bytes.count) bytes at \(hexWord(address)) run past the 32-bit address space")
        }
        let head = min(bytes.count, Int((4 - address % 4) % 4))
        let middle = (bytes.count - head) & ~3
        var commands: [QueuedTransfer] = []
        if head > 0 { commands.append(byteWrites(address, bytes[0..<head])) }
        let wordsStart = address + UInt32(head)
        let words = stride(from: head, to: head + middle, by: 4).map { LE.u32(bytes, at: $0) }
        commands += wordWrites(wordsStart, words)
        if head + middle < bytes.count {
            commands.append(byteWrites(wordsStart + UInt32(middle), bytes[(head + middle)...]))
        }
        _ = try stream(commands)
    }

    /// A core register in one DAP_Transfer: DCRSR, then DHCSR and DCRDR read back in the same packet; only when
    /// S_REGRDY was not yet set does it fall back to the shared layer's polling.
    public func readCoreRegister(_ register: CortexMRegister) throws -> UInt32 {
        let values = try retryingWait { () throws(CMSISDAPError) in
            try transfer(setup(csw: ADIv5.cswWord) + [
                .write(.tar, CortexM.dcrsr), .write(.drw, UInt32(register.rawValue)),
                .write(.tar, CortexM.dhcsr), .read(.drw), .write(.tar, CortexM.dcrdr), .read(.drw),
            ])
        }
        if values.count == 2, values[0] & CortexM.sRegReady != 0 { return values[1] }
        for _ in 0..<100 {
            if try read32(CortexM.dhcsr) & CortexM.sRegReady != 0 { return try read32(CortexM.dcrdr) }
        }
        throw DebugError.haltTimeout(operation: "core register \(register) read", dhcsr: try read32(CortexM.dhcsr))
    }

    public func writeCoreRegister(_ register: CortexMRegister, _ value: UInt32) throws {
        let values = try retryingWait { () throws(CMSISDAPError) in
            try transfer(setup(csw: ADIv5.cswWord) + [
                .write(.tar, CortexM.dcrdr), .write(.drw, value),
                .write(.tar, CortexM.dcrsr), .write(.drw, CortexM.registerWrite | UInt32(register.rawValue)),
                .write(.tar, CortexM.dhcsr), .read(.drw),
            ])
        }
        if values.first.map({ $0 & CortexM.sRegReady != 0 }) ?? false { return }
        for _ in 0..<100 {
            if try read32(CortexM.dhcsr) & CortexM.sRegReady != 0 { return }
        }
        throw DebugError.haltTimeout(operation: "core register \(register) write", dhcsr: try read32(CortexM.dhcsr))
    }

    // MARK: Pieces

    /// The SELECT and CSW writes needed before an AHB-AP access of this size; none when they already hold.
    func setup(csw wanted: UInt32) -> [DAPTransferRequest] {
        var requests: [DAPTransferRequest] = []
        if select != 0 { requests.append(.write(.select, 0)) }
        if csw != wanted { requests.append(.write(.csw, wanted)) }
        select = 0
        csw = wanted
        return requests
    }

    func readWords(_ address: UInt32, count: Int) throws(CMSISDAPError) -> [UInt32] {
        let limit = DAPTransferBlock.maxWords(packetSize: packetSize, writing: false)
        let commands = blocks(address, count: count, limit: limit) { start, offset, words in
            QueuedTransfer(DAPTransferBlock.read(.drw, count: words), memory: (start, words * 4))
        }
        return try stream(commands).flatMap(\.values)
    }

    func wordWrites(_ address: UInt32, _ words: [UInt32]) -> [QueuedTransfer] {
        let limit = DAPTransferBlock.maxWords(packetSize: packetSize, writing: true)
        return blocks(address, count: words.count, limit: limit) { start, offset, count in
            QueuedTransfer(DAPTransferBlock.write(.drw, Array(words[offset..<(offset + count)])),
                           memory: (start, count * 4))
        }
    }

    /// A TAR write at every 1 KiB auto-increment block, then DRW blocks of at most `limit` words.
    private func blocks(_ address: UInt32, count: Int, limit: Int,
                        _ make: (_ start: UInt32, _ offset: Int, _ count: Int) -> QueuedTransfer) -> [QueuedTransfer] {
        var commands: [QueuedTransfer] = []
        var offset = 0
        while offset < count {
            let here = address + UInt32(offset * 4)
            let inBlock = Int((ADIv5.autoIncrementBlock - here % ADIv5.autoIncrementBlock) / 4)
            let end = offset + min(count - offset, inBlock)
            commands.append(QueuedTransfer(DAPTransfer(setup(csw: ADIv5.cswWord) + [.write(.tar, here)])))
            while offset < end {
                let words = min(end - offset, limit)
                commands.append(make(address + UInt32(offset * 4), offset, words))
                offset += words
            }
        }
        return commands
    }

    /// Up to three bytes in one DAP_Transfer: each on the byte lane its address selects.
    private func byteWrites(_ address: UInt32, _ bytes: ArraySlice<UInt8>) -> QueuedTransfer {
        var requests = setup(csw: ADIv5.cswByte)
        for (index, byte) in bytes.enumerated() {
            let here = address + UInt32(index)
            requests += [.write(.tar, here), .write(.drw, UInt32(byte) << ((here & 3) * 8))]
        }
        return QueuedTransfer(DAPTransfer(requests), memory: (address, bytes.count))
    }

    /// The probe already retried WAIT answers (DAP_TransferConfigure); a target still busy gets two more chances
    /// with a pause, as an ST-Link's WAIT does.
    private func retryingWait<T>(_ body: () throws(CMSISDAPError) -> T) throws(CMSISDAPError) -> T {
        var delay = Duration.milliseconds(1)
        for _ in 0..<2 {
            do {
                return try body()
            } catch .transferFailed(let command, let response, let done) where response & 7 == DAPAck.wait.rawValue {
                _ = (command, done)
                sleep(delay)
                delay *= 4
            }
        }
        return try body()
    }
}
