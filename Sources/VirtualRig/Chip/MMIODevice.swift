/// A memory-mapped peripheral as the bus sees it: word-aligned registers, narrower accesses as byte lanes.
///
/// The bus turns an 8- or 16-bit access into the word that holds it: `value` is already shifted onto its lanes
/// and `mask` says which lanes the access touches (as AHB byte strobes do), so a device that cares about
/// half-word writes (GPIO BSRR halves) can see them and the rest can ignore `mask`.
protocol MMIODevice: AnyObject {
    /// The register at a word-aligned offset; nil is a bus fault.
    func readWord(_ offset: UInt32) -> UInt32?
    /// A write to the lanes in `mask`; false is a bus fault.
    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool
    /// Back to the reset state (a system reset resets peripherals, RM0008 7.1.2).
    func reset()
}

extension MMIODevice {
    func reset() {}
}

/// Registers that only hold what was written: peripherals the rig does not model still read back their writes,
/// so firmware that configures a clock or a pin mode and never checks it keeps running.
final class RegisterFile: MMIODevice {
    private var words: [UInt32: UInt32] = [:]
    private let resetValues: [UInt32: UInt32]

    init(resetValues: [UInt32: UInt32] = [:]) {
        self.resetValues = resetValues
        words = resetValues
    }

    func readWord(_ offset: UInt32) -> UInt32? { words[offset] ?? 0 }

    func writeWord(_ offset: UInt32, value: UInt32, mask: UInt32) -> Bool {
        words[offset] = (words[offset] ?? 0) & ~mask | value & mask
        return true
    }

    func reset() { words = resetValues }
}

/// The devices of the chip by address, shared by the core's MMIO callbacks and the debug port.
final class DeviceMap {
    private struct Entry {
        let range: Range<UInt32>
        let device: MMIODevice
    }

    private var entries: [Entry] = []
    /// The entry the last access hit: firmware polls one register at a time, so this saves the search.
    private var lastHit: Int?
    /// The word the last fallback access hit: firmware that feeds an unmodelled watchdog in a loop (OpenOCD's nRF5
    /// loader while it waits for data) would otherwise search every entry on each store.
    private var lastFallbackWord: UInt32?
    /// Address windows mapped as MMIO in the core; addresses in them that no device claims act as a `RegisterFile`.
    private(set) var windows: [Range<UInt32>] = []
    private let fallback = RegisterFile()

    func add(_ device: MMIODevice, at range: Range<UInt32>) {
        entries.removeAll { $0.range == range }
        entries.append(Entry(range: range, device: device))
        lastHit = nil
        lastFallbackWord = nil
    }

    func addWindow(_ range: Range<UInt32>) { windows.append(range) }

    func isMapped(_ address: UInt32) -> Bool { windows.contains { $0.contains(address) } }

    private func device(at address: UInt32) -> (MMIODevice, UInt32)? {
        if let index = lastHit, entries[index].range.contains(address) {
            return (entries[index].device, address - entries[index].range.lowerBound)
        }
        if address & ~3 == lastFallbackWord { return (fallback, address) }
        if let index = entries.lastIndex(where: { $0.range.contains(address) }) {
            lastHit = index
            return (entries[index].device, address - entries[index].range.lowerBound)
        }
        guard isMapped(address) else { return nil }
        lastFallbackWord = address & ~3
        return (fallback, address)
    }

    /// A read of `width` bytes (1, 2 or 4); nil when nothing answers or the device faults.
    func read(_ address: UInt32, width: Int) -> UInt32? {
        guard let (device, offset) = device(at: address) else { return nil }
        let shift = (offset & 3) * 8
        guard let word = device.readWord(offset & ~3) else { return nil }
        return width >= 4 ? word : (word >> shift) & Self.widthMask(width)
    }

    /// A write of `width` bytes; false when nothing answers or the device faults.
    func write(_ address: UInt32, width: Int, value: UInt32) -> Bool {
        guard let (device, offset) = device(at: address) else { return false }
        let shift = (offset & 3) * 8
        let mask = width >= 4 ? 0xFFFF_FFFF : Self.widthMask(width) << shift
        return device.writeWord(offset & ~3, value: (value << shift) & mask, mask: mask)
    }

    func resetAll() {
        for entry in entries { entry.device.reset() }
        fallback.reset()
    }

    static func widthMask(_ width: Int) -> UInt32 { width >= 4 ? 0xFFFF_FFFF : (1 << (8 * UInt32(width))) - 1 }
}
