import Flash
import USB

/// Why a DFU or DfuSe exchange failed, with what the device said and what to do about it.
public enum DFUError: Error, CustomStringConvertible, Equatable {
    /// The device answered a request with a status other than OK.
    case deviceError(operation: String, status: DFUStatusCode, state: DFUState)
    /// The device was not in the state the spec says it must be in after this request.
    case unexpectedState(operation: String, expected: String, got: DFUState)
    case malformedReply(String, expected: Int, got: Int)
    /// The device kept answering busy.
    case stuck(operation: String, polls: Int)
    /// The alt setting's memory string cannot be parsed.
    case badLayout(String, reason: String)
    /// The device's memory map is not the board's.
    case wrongChip(board: String, device: String)
    /// Something this kind of DFU device cannot do (plain DFU has no addresses and no erase).
    case notSupported(String)
    /// A device that is not manifestation tolerant has manifested and answers nothing until it is reset.
    case awaitsReset(operation: String)
    /// The USB transfer of one block failed (unplug, stall, timeout); `address` is where that block goes.
    case transferFailed(operation: String, address: UInt64, underlying: USBError)

    public var description: String {
        switch self {
        case .deviceError(let operation, let status, let state):
            "\(operation): the device reported \(status), state \(state)" + (status.hint.map { ": \($0)" } ?? "")
        case .unexpectedState(let operation, let expected, let got):
            "\(operation): the device went to \(got) instead of \(expected); unplug and replug it, then retry"
        case .malformedReply(let what, let expected, let got):
            "\(what): expected a \(expected)-byte reply, got \(got) bytes"
        case .stuck(let operation, let polls):
            "\(operation): the device still answered busy after \(polls) status polls; power-cycle it and retry"
        case .badLayout(let text, let reason):
            "cannot read the DfuSe memory layout '\(text)': \(reason)"
        case .wrongChip(let board, let device):
            "the device is not a \(board): its bootloader describes \(device). Pick the right --board, or pass --force "
                + "if you are sure"
        case .notSupported(let what):
            "cannot \(what)"
        case .transferFailed(let operation, _, let underlying):
            "\(operation): \(underlying)"
        case .awaitsReset(let operation):
            "\(operation): the device has manifested and answers nothing until a USB reset (it is not manifestation "
                + "tolerant); replug it, then check the flash with 'atelier flash --verify-only'"
        }
    }
}


extension DFUError: FlashFailureClassifying {
    /// A DFU error status is the device saying no; the rest is a device in a state it should not be in.
    public var flashFailureKind: FlashFailureKind {
        switch self {
        case .deviceError: .refused
        case .transferFailed(_, _, let underlying): underlying.flashFailureKind
        default: .other
        }
    }

    public var failedAddress: UInt64? {
        if case .transferFailed(_, let address, _) = self { return address }
        return nil
    }
}

extension USBError {
    /// Runs one block's transfers, naming the block's address when USB fails.
    static func atBlock<T>(_ operation: String, address: UInt64, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as USBError {
            throw DFUError.transferFailed(operation: operation, address: address, underlying: error)
        }
    }
}

extension USBError: FlashFailureClassifying {
    public var flashFailureKind: FlashFailureKind {
        switch self {
        case .noDevice: .disconnected
        case .timeout: .timedOut
        case .pipe: .stalled
        default: .other
        }
    }
}

extension DFUStatusCode {
    /// What to do about a failed status, when there is something to do.
    var hint: String? {
        switch self {
        case .errTarget:
            "the address is not writable; on an STM32 the sector is write-protected (option bytes nWRP) or outside "
                + "the memory: remove the write protection, or check --board and --base"
        case .errWrite, .errProg, .errErase, .errCheckErased:
            "the flash refused the change; the sector may be write-protected or worn: remove the protection and "
                + "flash again"
        case .errVendor:
            "read-out protection is active: remove it (it erases the chip, e.g. dfu-util -s :unprotect:force) and "
                + "flash again"
        case .errVerify:
            "flash again; if it persists the flash may be worn"
        case .errAddress:
            "check --board and --base: the image does not fit the device's memory"
        default:
            nil
        }
    }
}
