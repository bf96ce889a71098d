import BoardCatalog

/// Checks that the chip on the wire is the board's: the SW-DP IDCODE, DBGMCU_IDCODE's DEV_ID and the flash size
/// register (reference/stm32-nrf-flash.md section 3). Revisions may differ; the part and the size may not.
public struct STM32ChipCheck: Sendable {
    public var board: Board

    public init(board: Board) {
        self.board = board
    }

    /// What the chip reports, for messages and `atelier probes`.
    public struct Identity: Sendable, Equatable, CustomStringConvertible {
        public var dpIDCode: UInt32?
        public var deviceID: UInt32?
        public var flashKiB: UInt32?

        public var description: String {
            var parts: [String] = []
            if let deviceID { parts.append("DEV_ID \(hex(UInt64(deviceID), width: 3))") }
            if let flashKiB { parts.append("\(flashKiB) KiB flash") }
            if let dpIDCode { parts.append("DP IDCODE \(hexWord(dpIDCode))") }
            return parts.joined(separator: ", ")
        }
    }

    /// What the board's chip file says the chip should report.
    public var expected: Identity {
        let debug = board.chip.debug
        return Identity(dpIDCode: debug?.dpIDCode, deviceID: debug?.partIDCode.map { $0 & 0xFFF },
                        flashKiB: board.chip.flash.map { UInt32($0.size / 1024) })
    }

    /// Reads the identity registers the board's chip file names, stopping at the first that differs from
    /// `expected` (another chip's flash-size register may not even be mapped). An unmapped register reads as nil.
    public func read(_ probe: STLinkProbe, against expected: Identity? = nil) throws(STLinkError) -> Identity {
        let debug = board.chip.debug
        var identity = Identity(dpIDCode: probe.idcode)
        if let expected, Self.differs(expected.dpIDCode, identity.dpIDCode) { return identity }
        if let address = debug?.partIDAddress {
            var deviceID = try optional { () throws(STLinkError) in
                try probe.read32(UInt32(truncatingIfNeeded: address)) & 0xFFF
            }
            // Rev-A STM32F40x silicon reports the F2's 0x411; both peers rewrite it when the core is a Cortex-M4.
            if deviceID == 0x411, try probe.read32(CortexM.cpuid) >> 4 & 0xFFF == 0xC24 { deviceID = 0x413 }
            identity.deviceID = deviceID
            if let expected, Self.differs(expected.deviceID, deviceID ?? 0) { return identity }
        }
        if let address = debug?.flashSizeAddress {
            // A 32-bit read of the aligned word, upper half when the register sits at +2 (as stlink-org does).
            let word = try optional { () throws(STLinkError) in
                try probe.read32(UInt32(truncatingIfNeeded: address) & ~3)
            }
            identity.flashKiB = word.map { address & 2 != 0 ? $0 >> 16 : $0 & 0xFFFF }
        }
        return identity
    }

    /// Throws `wrongChip` naming both when any identity the board defines differs or cannot be read.
    public func check(_ probe: STLinkProbe) throws(STLinkError) {
        let expected = self.expected
        let found = try read(probe, against: expected)
        let mismatch = Self.differs(expected.dpIDCode, found.dpIDCode)
            || Self.differs(expected.deviceID, found.deviceID ?? 0)
            || Self.differs(expected.flashKiB, found.flashKiB ?? 0)
        if mismatch {
            throw .wrongChip(board: "\(board.id)'s \(board.chip.id)", expected: expected.description,
                             found: found.description)
        }
    }

    private func optional(_ read: () throws(STLinkError) -> UInt32) throws(STLinkError) -> UInt32? {
        do {
            return try read()
        } catch .memoryFault {
            return nil
        }
    }

    private static func differs(_ expected: UInt32?, _ found: UInt32?) -> Bool {
        guard let expected, let found else { return false }
        return expected != found
    }
}
