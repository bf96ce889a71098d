import BoardCatalog
import Flash
import USB

extension ProgrammerRegistry {
    /// Where the unique ID of `board`'s chip comes from through `probe`: the one place that decides it.
    /// A debug probe reads the chip YAML's `unique_id_address`; the STM32 system bootloader (DfuSe) refuses
    /// addresses outside its layout but builds its USB serial from the UID, so that serial stands for the chip.
    public static func chipIdentity(of probe: DetectedProbe, board: Board) -> ChipIdentity {
        switch probe.kind {
        case .stlink, .cmsisDAP:
            guard let id = board.chip.debug?.uniqueID else {
                return .none(reason: "chip '\(board.chip.id)' has no unique_id_address in its chip file")
            }
            return .memory(address: id.address, size: id.size)
        case .dfuse:
            guard let serial = probe.device.serial, !serial.isEmpty else {
                return .none(reason: "the DfuSe bootloader gave no USB serial")
            }
            return .usbSerial(serial)
        case .picoboot:
            return .none(reason: "the RP2040 boot ROM's USB serial is the same on every chip of a ROM revision, and "
                + "the flash's unique ID needs code run on the chip")
        case .usbasp:
            return .none(reason: "the \(board.chip.id) has no documented unique ID, and the USBasp's serial is the "
                + "programmer's, not the chip's")
        default:
            return .none(reason: "a \(probe.kind.rawValue) bootloader names no chip ID")
        }
    }
}
