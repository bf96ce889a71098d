extension VirtualChip {
    /// `count` bytes from `address` read the way a probe's memory command reads them: plain memory in one copy,
    /// registers in accesses of `accessWidth` bytes (narrower at unaligned edges), because a register read may
    /// have side effects a byte-wise read would get wrong (DHCSR's S_RESET_ST clears on the first read).
    public func readMemory(_ address: UInt32, count: Int, accessWidth: Int) throws -> [UInt8] {
        try lock.withLock {
            let end = UInt64(address) + UInt64(count)
            let plain = !devices.isMapped(address) && modelRanges.contains { range in
                UInt64(range.lowerBound) <= UInt64(address) && end <= UInt64(range.upperBound)
            }
            if plain || accessWidth <= 1 { return try readMemory(address, count: count) }
            advanceIfRunning()
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count)
            while bytes.count < count {
                let at = address &+ UInt32(bytes.count)
                var width = accessWidth
                while width > 1, at % UInt32(width) != 0 || bytes.count + width > count { width /= 2 }
                guard let value = busRead(at, width: width) else { throw ChipError.busFault(address: at) }
                bytes += (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
            }
            return bytes
        }
    }
}
