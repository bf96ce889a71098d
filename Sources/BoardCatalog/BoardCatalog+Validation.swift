/// Checks that the type system cannot express: a memory map that is physically possible.
extension Chip {
    func validate(regionLocations: [SourceLocation]) throws(BoardCatalogError) {
        for (index, region) in memory.enumerated() {
            let source = regionLocations[index]
            guard region.size > 0 else { throw .invalid(source, "memory region '\(region.name)' has size 0") }
            let (_, overflow) = region.start.addingReportingOverflow(region.size)
            guard !overflow, region.end <= 1 << 32 else {
                throw .invalid(source, "memory region '\(region.name)' ends past the 32-bit address space")
            }
            for other in memory[..<index] where other.overlaps(region.start..<region.end) {
                throw .invalid(source, "memory regions '\(other.name)' (\(hexRange(other.start..<other.end))) and "
                    + "'\(region.name)' (\(hexRange(region.start..<region.end))) overlap")
            }
            if memory[..<index].contains(where: { $0.name == region.name }) {
                throw .invalid(source, "two memory regions are named '\(region.name)'")
            }
            try validateSectors(of: region, at: source)
        }
        guard flash != nil else { throw .invalid(source, "chip '\(id)' has no flash region (kind: flash)") }
    }

    private func validateSectors(of region: MemoryRegion, at source: SourceLocation) throws(BoardCatalogError) {
        if region.kind == .flash, region.sectors.isEmpty {
            throw .invalid(source, "flash region '\(region.name)' needs 'sectors' (its erase units)")
        }
        guard !region.sectors.isEmpty else { return }
        let total = region.sectors.reduce(UInt64(0)) { $0 + $1.size * UInt64($1.count) }
        guard total == region.size else {
            let groups = region.sectors.map { "\($0.count) x \(ByteSize.format($0.size))" }.joined(separator: " + ")
            throw .invalid(source, "sectors of '\(region.name)' add up to \(ByteSize.format(total)) (\(groups)) "
                + "but the region is \(ByteSize.format(region.size))")
        }
        for group in region.sectors where group.size % UInt64(region.writeUnit) != 0 {
            throw .invalid(source, "a \(ByteSize.format(group.size)) sector of '\(region.name)' is not a multiple of "
                + "its write_unit \(region.writeUnit)")
        }
    }
}
