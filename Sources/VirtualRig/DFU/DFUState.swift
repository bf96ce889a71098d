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
