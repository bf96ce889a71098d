import BoardCatalog
import Flash

/// CRC-32 of flash ranges computed on the target by the `crc32` routine (`STM32Loaders.crc32`, plain Thumb-1, so
/// it runs on any Cortex-M whatever its flash controller), many sectors per run, remembered until a range is erased
/// or written. Shared by every flash target that works through a debug probe.
final class TargetChecksums {
    let probe: DebugProbe
    let flash: MemoryRegion
    let table: UInt32
    let routine: UInt32
    let parameters: UInt32
    /// How long a run may take at most, on top of a per-byte allowance (scaled rigs are slower).
    var runAllowance = Duration.seconds(5)
    private var known: [Range<UInt64>: UInt32] = [:]
    /// The most ranges, and bytes, one run covers.
    static let maxRanges = 64
    static let maxBatchBytes: UInt64 = 256 * 1024

    /// `table` takes 1 KiB; the routine goes at `routine` and its parameters right after its code.
    init(probe: DebugProbe, flash: MemoryRegion, table: UInt32, routine: UInt32) {
        self.probe = probe
        self.flash = flash
        self.table = table
        self.routine = routine
        parameters = routine + STM32Loaders.parameterOffset(of: STM32Loaders.crc32)
    }

    /// Writes the table and the routine to RAM; the core must be halted.
    func load() throws {
        try probe.writeMemory(table, STM32Loaders.crc32Table)
        try probe.writeMemory(routine, STM32Loaders.crc32)
    }

    /// The range's CRC; the flash core asks sector by sector in address order, so with `ahead` the following
    /// sectors not yet known are computed in the same run (pointless once they are about to be rewritten).
    func checksum(_ range: Range<UInt64>, ahead: Bool = true) throws -> UInt32? {
        if let value = known[range] { return value }
        var ranges = [range]
        var bytes = UInt64(range.count)
        for sector in flash.sectorList where ahead && sector.start >= range.upperBound && known[sector.range] == nil {
            guard ranges.count < Self.maxRanges, bytes + sector.size <= Self.maxBatchBytes else { break }
            ranges.append(sector.range)
            bytes += sector.size
        }
        try compute(ranges)
        return known[range]
    }

    func remember(_ range: Range<UInt64>, _ crc: UInt32) { known[range] = crc }

    func forget(_ range: Range<UInt64>) {
        for key in known.keys where key.overlaps(range) { known[key] = nil }
    }

    func forgetAll() { known.removeAll() }

    private func compute(_ ranges: [Range<UInt64>]) throws {
        var block = [UInt32(ranges.count), table]
        for range in ranges { block += [try targetWord(range.lowerBound), UInt32(range.count), 0] }
        try probe.writeMemory(parameters, block.flatMap(LE.bytes))
        let total = ranges.reduce(0) { $0 + $1.count }
        let start = try targetWord(ranges[0].lowerBound)
        try probe.runRoutine(routine, length: STM32Loaders.crc32.count, operation: "CRC-32 of \(total) bytes",
                             at: start, timeout: runAllowance + .microseconds(Int64(total) * 100))
        let results = try probe.readMemory(parameters + 8, count: ranges.count * 12)
        for (index, range) in ranges.enumerated() { known[range] = LE.u32(results, at: index * 12 + 8) }
    }
}

/// A flash address as the 32-bit target sees it.
func targetWord(_ address: UInt64) throws -> UInt32 {
    guard address <= UInt64(UInt32.max) else {
        throw DebugError.invalidRequest("\(hex(address)) is beyond a 32-bit target's address space")
    }
    return UInt32(address)
}

/// A flash target driven through a debug probe: `finish` puts the flash controller back to read-only (locked) once
/// the flash core is done, before the firmware is started.
public protocol DebugFlashTarget: FlashTarget {
    func finish() throws
}
