/// DFU 1.1 class requests (DFU 1.1 section 3, table 3.2), in spec order.
public enum DFURequest: UInt8, Sendable {
    case detach = 0, download, upload, getStatus, clearStatus, getState, abort
}

/// bState values (DFU 1.1 section 6.1.2), in spec order.
public enum DFUState: UInt8, Sendable, CustomStringConvertible {
    case appIDLE = 0, appDETACH, dfuIDLE, dfuDNLOAD_SYNC, dfuDNBUSY, dfuDNLOAD_IDLE, dfuMANIFEST_SYNC, dfuMANIFEST
    case dfuMANIFEST_WAIT_RESET, dfuUPLOAD_IDLE, dfuERROR

    public var description: String {
        switch self {
        case .appIDLE: "appIDLE"
        case .appDETACH: "appDETACH"
        case .dfuIDLE: "dfuIDLE"
        case .dfuDNLOAD_SYNC: "dfuDNLOAD-SYNC"
        case .dfuDNBUSY: "dfuDNBUSY"
        case .dfuDNLOAD_IDLE: "dfuDNLOAD-IDLE"
        case .dfuMANIFEST_SYNC: "dfuMANIFEST-SYNC"
        case .dfuMANIFEST: "dfuMANIFEST"
        case .dfuMANIFEST_WAIT_RESET: "dfuMANIFEST-WAIT-RESET"
        case .dfuUPLOAD_IDLE: "dfuUPLOAD-IDLE"
        case .dfuERROR: "dfuERROR"
        }
    }
}

/// bStatus values (DFU 1.1 section 6.1.2), in spec order.
public enum DFUStatus: UInt8, Sendable {
    case ok = 0, errTARGET, errFILE, errWRITE, errERASE, errCHECK_ERASED, errPROG, errVERIFY, errADDRESS
    case errNOTDONE, errFIRMWARE, errVENDOR, errUSBR, errPOR, errUNKNOWN, errSTALLEDPKT
}

/// The 6-byte DFU_GETSTATUS reply (DFU 1.1 section 6.1.2): status, 24-bit little-endian poll timeout in
/// milliseconds, state, string index.
public struct DFUStatusRecord: Equatable, Sendable {
    public var status: DFUStatus
    public var pollTimeout: UInt32
    public var state: DFUState

    public init(status: DFUStatus, pollTimeout: UInt32, state: DFUState) {
        self.status = status
        self.pollTimeout = pollTimeout
        self.state = state
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 6, let status = DFUStatus(rawValue: bytes[0]), let state = DFUState(rawValue: bytes[4])
        else { return nil }
        self.status = status
        pollTimeout = UInt32(bytes[1]) | UInt32(bytes[2]) << 8 | UInt32(bytes[3]) << 16
        self.state = state
    }

    public var bytes: [UInt8] {
        [status.rawValue, UInt8(pollTimeout & 0xFF), UInt8((pollTimeout >> 8) & 0xFF),
         UInt8((pollTimeout >> 16) & 0xFF), state.rawValue, 0]
    }
}

/// The DFU functional descriptor (DFU 1.1 section 4.1.3), type 0x21, 9 bytes.
public struct DFUFunctionalDescriptor: Equatable, Sendable {
    public struct Attributes: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let canDownload = Attributes(rawValue: 0x01)
        public static let canUpload = Attributes(rawValue: 0x02)
        public static let manifestationTolerant = Attributes(rawValue: 0x04)
        public static let willDetach = Attributes(rawValue: 0x08)
    }

    public var attributes: Attributes
    public var detachTimeout: UInt16
    public var transferSize: UInt16
    /// 0x0110 for DFU 1.1, 0x011A for ST's DfuSe 1.1a.
    public var version: UInt16

    public var bytes: [UInt8] {
        [9, 0x21, attributes.rawValue] + USBDescriptor.le16(detachTimeout) + USBDescriptor.le16(transferSize)
            + USBDescriptor.le16(version)
    }
}
