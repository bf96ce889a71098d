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

    public var description: String {
        switch self {
        case .deviceError(let operation, let status, let state):
            "\(operation): the device reported \(status), state \(state)"
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
        }
    }
}

