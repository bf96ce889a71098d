import BoardCatalog

/// Checks that the chip on the wire is the board's, through any debug probe: the SW-DP IDCODE, the part register the
/// chip file names (an STM32's DBGMCU_IDCODE DEV_ID, an nRF52's FICR INFO.PART) and the flash size register
/// (reference/stm32-nrf-flash.md sections 3 and 6). Revisions may differ; the part and the size may not.
public struct ChipCheck: Sendable {
    public var board: Board
    /// STM32 DBGMCU_IDCODE holds the revision in its upper half: only DEV_ID (bits 11:0) names the part.
    var partMask: UInt32
    var partName: String

    public init(board: Board) {
        self.board = board
        let stm32 = board.chip.flashController?.hasPrefix("stm32") ?? true
        partMask = stm32 ? 0xFFF : 0xFFFF_FFFF
        partName = stm32 ? "DEV_ID" : "part"
    }

    /// What the chip reports, for messages and `atelier probes`.
    public struct Identity: Sendable, Equatable, CustomStringConvertible {
        public var dpIDCode: UInt32?
        public var deviceID: UInt32?
        public var flashKiB: UInt32?
        var partName = "DEV_ID"

        public init(dpIDCode: UInt32? = nil, deviceID: UInt32? = nil, flashKiB: UInt32? = nil) {
            self.dpIDCode = dpIDCode
            self.deviceID = deviceID
            self.flashKiB = flashKiB
        }

        public var description: String {
            var parts: [String] = []
            if let deviceID { parts.append("\(partName) \(hex(UInt64(deviceID), width: 3))") }
            if let flashKiB { parts.append("\(flashKiB) KiB flash") }
            if let dpIDCode { parts.append("DP IDCODE \(hexWord(dpIDCode))") }
            return parts.joined(separator: ", ")
        }
    }

    /// What the board's chip file says the chip should report.
    public var expected: Identity {
        let debug = board.chip.debug
        var identity = Identity(dpIDCode: debug?.dpIDCode, deviceID: debug?.partIDCode.map { $0 & partMask },
                                flashKiB: debug?.flashSizeAddress == nil
                                    ? nil : board.chip.flash.map { UInt32($0.size / 1024) })
        identity.partName = partName
        return identity
    }

    /// Reads the identity registers the board's chip file names, stopping at the first that differs from
    /// `expected` (another chip's flash-size register may not even be mapped). An unmapped register reads as nil.
    public func read(_ probe: DebugProbe, against expected: Identity? = nil) throws -> Identity {
        let debug = board.chip.debug
        var identity = Identity(dpIDCode: probe.dpIDCode)
        identity.partName = partName
        if let expected, Self.differs(expected.dpIDCode, identity.dpIDCode) { return identity }
        if let address = debug?.partIDAddress {
            var deviceID = try optional { try probe.read32(UInt32(truncatingIfNeeded: address)) & partMask }
            // Rev-A STM32F40x silicon reports the F2's 0x411; both peers rewrite it when the core is a Cortex-M4.
            if partMask == 0xFFF, deviceID == 0x411, try probe.read32(CortexM.cpuid) >> 4 & 0xFFF == 0xC24 {
                deviceID = 0x413
            }
            identity.deviceID = deviceID
            if let expected, Self.differs(expected.deviceID, deviceID ?? 0) { return identity }
        }
        if let address = debug?.flashSizeAddress {
            // A 32-bit read of the aligned word, upper half when the register sits at +2 (as stlink-org does).
            let word = try optional { try probe.read32(UInt32(truncatingIfNeeded: address) & ~3) }
            identity.flashKiB = word.map { address & 2 != 0 ? $0 >> 16 : $0 & 0xFFFF }
        }
        return identity
    }

    /// Throws `wrongChip` naming both when any identity the board defines differs or cannot be read.
    public func check(_ probe: DebugProbe) throws {
        let expected = self.expected
        let found = try read(probe, against: expected)
        let mismatch = Self.differs(expected.dpIDCode, found.dpIDCode)
            || Self.differs(expected.deviceID, found.deviceID ?? 0)
            || Self.differs(expected.flashKiB, found.flashKiB ?? 0)
        if mismatch {
            throw DebugError.wrongChip(board: "\(board.id)'s \(board.chip.id)", expected: expected.description,
                             found: found.description)
        }
    }

    private func optional(_ read: () throws -> UInt32) throws -> UInt32? {
        do {
            return try read()
        } catch let error as DebugProbeError where error.isMemoryFault {
            return nil
        }
    }

    private static func differs(_ expected: UInt32?, _ found: UInt32?) -> Bool {
        guard let expected, let found else { return false }
        return expected != found
    }
}
