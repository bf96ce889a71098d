/// USB DFU 1.1 class requests, states and status codes, in the spec's order (DFU 1.1 sections 3 and 6.1.2),
/// and ST's DfuSe 1.1a command bytes (ST AN3156, section 4).
public enum DFURequest: UInt8, Sendable {
    case detach = 0
    case download = 1
    case upload = 2
    case getStatus = 3
    case clearStatus = 4
    case getState = 5
    case abort = 6
}

/// bState: where the device's DFU state machine is (DFU 1.1 section 6.1.2).
public enum DFUState: UInt8, Sendable, CustomStringConvertible {
    case appIdle = 0, appDetach, dfuIdle, downloadSync, downloadBusy, downloadIdle, manifestSync, manifest
    case manifestWaitReset, uploadIdle, error

    public var description: String {
        ["appIDLE", "appDETACH", "dfuIDLE", "dfuDNLOAD-SYNC", "dfuDNBUSY", "dfuDNLOAD-IDLE", "dfuMANIFEST-SYNC",
         "dfuMANIFEST", "dfuMANIFEST-WAIT-RESET", "dfuUPLOAD-IDLE", "dfuERROR"][Int(rawValue)]
    }
}

/// bStatus: the result of the last request (DFU 1.1 section 6.1.2).
public enum DFUStatusCode: UInt8, Sendable, CustomStringConvertible {
    case ok = 0, errTarget, errFile, errWrite, errErase, errCheckErased, errProg, errVerify, errAddress, errNotDone
    case errFirmware, errVendor, errUSBReset, errPowerOnReset, errUnknown, errStalledPacket

    public var description: String {
        switch self {
        case .ok: "no error"
        case .errTarget: "the address is not allowed for this device (errTARGET)"
        case .errFile: "the file failed a vendor check (errFILE)"
        case .errWrite: "the device cannot write memory (errWRITE)"
        case .errErase: "the erase failed (errERASE)"
        case .errCheckErased: "the erase check failed (errCHECK_ERASED)"
        case .errProg: "the program operation failed (errPROG)"
        case .errVerify: "the device's own verify failed (errVERIFY)"
        case .errAddress: "the address is out of range (errADDRESS)"
        case .errNotDone: "the device expected more data (errNOTDONE)"
        case .errFirmware: "the firmware is corrupt (errFIRMWARE)"
        case .errVendor: "a vendor error, on STM32 read protection is active (errVENDOR)"
        case .errUSBReset: "an unexpected USB reset (errUSBR)"
        case .errPowerOnReset: "an unexpected power-on reset (errPOR)"
        case .errUnknown: "an unknown error (errUNKNOWN)"
        case .errStalledPacket: "the device stalled an unexpected request (errSTALLEDPKT)"
        }
    }
}

/// The 6-byte DFU_GETSTATUS reply.
public struct DFUStatus: Sendable, Equatable {
    public var status: DFUStatusCode
    /// How long the host must wait before the next GETSTATUS, in milliseconds.
    public var pollTimeout: UInt32
    public var state: DFUState

    public init(status: DFUStatusCode, pollTimeout: UInt32, state: DFUState) {
        self.status = status
        self.pollTimeout = pollTimeout
        self.state = state
    }

    init(reply: [UInt8]) throws(DFUError) {
        guard reply.count == 6 else { throw .malformedReply("GETSTATUS", expected: 6, got: reply.count) }
        guard let status = DFUStatusCode(rawValue: reply[0]), let state = DFUState(rawValue: reply[4]) else {
            throw .malformedReply("GETSTATUS with status \(reply[0]) and state \(reply[4])", expected: 6, got: 6)
        }
        self.init(status: status, pollTimeout: UInt32(reply[1]) | UInt32(reply[2]) << 8 | UInt32(reply[3]) << 16, state: state)
    }
}

/// DfuSe commands, sent as the data of a DNLOAD with wBlockNum 0 (AN3156 section 4).
enum DfuSeCommand {
    static let setAddressPointer: UInt8 = 0x21
    static let erase: UInt8 = 0x41
    static let readUnprotect: UInt8 = 0x92

    static func setAddress(_ address: UInt32) -> [UInt8] { [setAddressPointer] + address.littleEndianBytes }
    static func eraseSector(at address: UInt32) -> [UInt8] { [erase] + address.littleEndianBytes }
    static let massErase: [UInt8] = [erase]
}

extension UInt32 {
    var littleEndianBytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: self >> ($0 * 8)) } }
}
