import BoardCatalog
import Flash
import USB

/// What can go wrong talking to an RP2040 boot ROM over PICOBOOT.
public enum PICOBOOTError: Error, CustomStringConvertible {
    /// The ROM stalled a command and its status record says why.
    case commandFailed(operation: String, address: UInt64, status: String)
    /// The ROM at 0x10 does not hold the RP2040 boot ROM's 'M', 'u', 1 marker.
    case wrongChip(board: String, found: [UInt8])
    /// The board's chip has no RP2040 boot ROM (its chip file lists no picoboot bootloader).
    case notAnRP2040Board(board: String, chip: String)
    case noInterface
    case transferFailed(operation: String, address: UInt64, underlying: USBError)

    public var description: String {
        switch self {
        case .commandFailed(let operation, let address, let status):
            "\(operation) at \(hex(address)) failed: the boot ROM answered \(status); "
                + (status == "INVALID_ADDRESS" || status == "BAD_ALIGNMENT"
                    ? "check --board and --base: flash is at 0x10000000 in 4 KiB sectors and 256-byte pages"
                    : "replug the board in BOOTSEL mode and flash again")
        case .wrongChip(let board, let found):
            "board '\(board)' is an RP2040 but the device's ROM marker at 0x10 is "
                + "\(found.map { String($0, radix: 16) }.joined(separator: " ")), not 4d 75 01; "
                + "check --board, or pass --force to flash anyway"
        case .notAnRP2040Board(let board, let chip):
            "the device is an RP2040 in BOOTSEL mode but board '\(board)' has chip '\(chip)'; pass --board pico "
                + "(or another RP2040 board), or --force to flash anyway"
        case .noInterface:
            "the device has no PICOBOOT interface (class 0xFF with one bulk OUT and one bulk IN endpoint); "
                + "hold BOOTSEL while plugging it in"
        case .transferFailed(let operation, let address, let underlying):
            "\(operation) at \(hex(address)): \(underlying)"
        }
    }
}

extension PICOBOOTError: FlashFailureClassifying {
    public var flashFailureKind: FlashFailureKind {
        switch self {
        case .commandFailed: .refused
        case .transferFailed(_, _, let underlying): underlying.flashFailureKind
        default: .other
        }
    }

    public var failedAddress: UInt64? {
        switch self {
        case .commandFailed(_, let address, _), .transferFailed(_, let address, _): address
        default: nil
        }
    }
}
