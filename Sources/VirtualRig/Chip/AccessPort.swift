/// One access port behind the DP, addressed by its register offset (APBANKSEL and A[3:2]).
public protocol AccessPort: AnyObject {
    func read(_ register: UInt8) -> Result<UInt32, ChipError>
    func write(_ register: UInt8, _ value: UInt32) -> Result<Void, ChipError>
}

extension MemoryAccessPort: AccessPort {}

/// Nordic's CTRL-AP (AP #1 on nRF52, nRF52840 PS 4.2.x "CTRL-AP"): reset, ERASEALL and the APPROTECT status that
/// OpenOCD's nrf52.cfg checks. The rig's parts are never protected.
public final class NordicControlAccessPort: AccessPort {
    public let chip: VirtualChip

    public init(chip: VirtualChip) {
        self.chip = chip
    }

    public func read(_ register: UInt8) -> Result<UInt32, ChipError> {
        switch register {
        case 0x0C: return .success(1)            // APPROTECTSTATUS: not protected
        case 0x08: return .success(0)            // ERASEALLSTATUS: done
        case 0xFC: return .success(0x0288_0000)  // IDR
        default: return .success(0)
        }
    }

    public func write(_ register: UInt8, _ value: UInt32) -> Result<Void, ChipError> {
        switch register {
        case 0x00 where value & 1 != 0: chip.reset()
        case 0x04 where value & 1 != 0: chip.eraseAll()
        default: break
        }
        return .success(())
    }
}
