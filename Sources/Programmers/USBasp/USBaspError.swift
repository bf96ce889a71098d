import BoardCatalog
import Flash
import USB

/// What can go wrong talking to an AVR through a USBasp.
public enum USBaspError: Error, CustomStringConvertible {
    /// ENABLEPROG got no 0x53 echo: the AVR is not answering on the ISP cable.
    case targetNotAnswering
    /// SETISPSCK did not answer one zero byte (avrdude treats this as fatal too).
    case sckRefused([UInt8])
    /// A TRANSMIT reply that was not 4 bytes.
    case shortReply(instruction: [UInt8], got: Int)
    /// The signature read is not the board's chip.
    case wrongChip(board: String, expected: [UInt8], got: [UInt8])
    case notSupported(String)
    /// A transfer failed at a flash address.
    case transferFailed(operation: String, address: UInt64, underlying: USBError)

    public var description: String {
        switch self {
        case .targetNotAnswering:
            "the AVR does not answer on the USBasp's ISP cable (no Programming Enable echo); check the cable, the "
                + "target's power and its clock, or lower the ISP clock"
        case .sckRefused(let reply):
            "the USBasp refused to set its ISP clock (answered \(reply.map(hex2))); update its firmware"
        case .shortReply(let instruction, let got):
            "the USBasp answered \(got) bytes to ISP instruction \(instruction.map(hex2).joined(separator: " ")), "
                + "not 4; replug it and try again"
        case .wrongChip(let board, let expected, let got):
            "the AVR's signature is \(got.map(hex2).joined(separator: " ")) but board '\(board)' has "
                + "\(expected.map(hex2).joined(separator: " ")); check --board, or pass --force to flash anyway"
        case .notSupported(let what):
            "cannot \(what)"
        case .transferFailed(let operation, let address, let underlying):
            "\(operation) at \(hex(address)): \(underlying)"
        }
    }
}

extension USBaspError: FlashFailureClassifying {
    public var flashFailureKind: FlashFailureKind {
        if case .transferFailed(_, _, let underlying) = self { return underlying.flashFailureKind }
        return .other
    }

    public var failedAddress: UInt64? {
        if case .transferFailed(_, let address, _) = self { return address }
        return nil
    }
}
