/// Which ST-Link the rig plays: its USB identity and endpoints (`stlink.md` section 1, `peer-usb-traces.md`).
public enum STLinkVariant: String, Sendable, CaseIterable {
    /// ST-LINK/V2, 0483:3748: commands on EP 0x02, replies on 0x81, SWO trace on 0x83.
    case v2 = "stlink"
    /// ST-LINK/V2-1 (Nucleo and Discovery boards), 0483:374B: commands on EP 0x01, trace on 0x82.
    case v21 = "stlink-v21"

    public static let vendorID: UInt16 = 0x0483

    public var productID: UInt16 {
        switch self {
        case .v2: return 0x3748
        case .v21: return 0x374B
        }
    }

    public var commandEndpoint: UInt8 {
        switch self {
        case .v2: return 0x02
        case .v21: return 0x01
        }
    }

    public var replyEndpoint: UInt8 { 0x81 }

    public var traceEndpoint: UInt8 {
        switch self {
        case .v2: return 0x83
        case .v21: return 0x82
        }
    }

    /// bcdDevice of the real probes (1.00 on V2, 1.00 on V2-1).
    var bcdDevice: UInt16 { 0x0100 }

    var product: String {
        switch self {
        case .v2: return "STM32 STLink"
        case .v21: return "STM32 STLink"
        }
    }

    /// The GET_VERSION word, big-endian on the wire: [15:12] major 2, [11:6] JTAG/SWD "J" 37, [5:0] SWIM "S" 7 on
    /// a V2 (V2J37S7 = 0x2947). J37 takes both hosts' newest API v2 paths (GETLASTRWSTATUS2, 16-bit memory
    /// access, INIT_AP; `stlink.md` section 7). On V2-1 PIDs the low field is the mass-storage version, and
    /// OpenOCD takes J >= 25 with a low field of 7 to 12 for an STM8 (SWIM-only) build and refuses SWD: the
    /// Nucleo firmware's V2J37M26 is what it expects.
    var versionWord: UInt16 {
        switch self {
        case .v2: return 2 << 12 | 37 << 6 | 7
        case .v21: return 2 << 12 | 37 << 6 | 26
        }
    }
}
