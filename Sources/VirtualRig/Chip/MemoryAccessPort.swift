/// An ADIv5 MEM-AP of the AHB kind (AHB-AP, ADIv5 C2.6) onto the chip's system bus.
///
/// CSW.Size selects 8/16/32-bit transfers, whose data sits on the byte lanes chosen by TAR[1:0]; AddrInc single
/// increments TAR by the size, packed moves a whole word of narrower transfers and increments by 4. TAR wraps
/// within its 4 KiB block on Cortex-M3/M4 (1 KiB on M0), as the auto-increment is only that wide. A bus error sets
/// the DP's STICKYERR (the caller sees `.failure`).
public final class MemoryAccessPort {
    public enum Register {
        public static let csw: UInt8 = 0x00, tar: UInt8 = 0x04, drw: UInt8 = 0x0C
        public static let bd0: UInt8 = 0x10, cfg: UInt8 = 0xF4, base: UInt8 = 0xF8, idr: UInt8 = 0xFC
    }

    public let chip: VirtualChip
    /// AP IDR (ADIv5 C2.6.13): 0x14770011 for the STM32F103's M3 r1p1, 0x24770011 for M4 and later M3, 0x04770021 M0.
    public let identification: UInt32
    private let resetCSW: UInt32
    private let incrementBlock: UInt32
    private var csw: UInt32
    private var tar: UInt32 = 0

    public init(chip: VirtualChip) {
        self.chip = chip
        switch chip.chip.core {
        case .cortexM0: (identification, resetCSW, incrementBlock) = (0x0477_0021, 0x0300_0040, 0x400)
        case .cortexM0Plus: (identification, resetCSW, incrementBlock) = (0x0477_0031, 0x0300_0040, 0x400)
        case .cortexM3: (identification, resetCSW, incrementBlock) = (0x1477_0011, 0x2300_0040, 0x1000)
        default: (identification, resetCSW, incrementBlock) = (0x2477_0011, 0x2300_0040, 0x1000)
        }
        csw = resetCSW
    }

    /// Bytes per transfer from CSW.Size (0 byte, 1 half-word, 2 word).
    private var size: Int { 1 << Int(min(csw & 0x7, 2)) }
    private var increment: UInt32 { (csw >> 4) & 0x3 }

    public func read(_ register: UInt8) -> Result<UInt32, ChipError> {
        switch register {
        // DeviceEn (bit 6) always 1, TrInProg (bit 7) always 0.
        case Register.csw: return .success(csw | 0x40)
        case Register.tar: return .success(tar)
        case Register.drw:
            let result = transfer(at: tar, write: nil)
            advance()
            return result
        case Register.bd0, Register.bd0 + 4, Register.bd0 + 8, Register.bd0 + 12:
            return transfer(at: tar & ~0xF | UInt32(register - Register.bd0), write: nil)
        case Register.cfg: return .success(0)
        // Debug ROM table at 0xE00FF000; bit 1 ADIv5 format, bit 0 present.
        case Register.base: return .success(0xE00F_F003)
        case Register.idr: return .success(identification)
        default: return .success(0)
        }
    }

    public func write(_ register: UInt8, _ value: UInt32) -> Result<Void, ChipError> {
        switch register {
        case Register.csw:
            // Size 0-2 and AddrInc 0-2 are implemented; the HPROT/master bits are kept as written.
            var new = value & 0xFF00_0000 | value & 0x30 | (value & 0x7 <= 2 ? value & 0x7 : csw & 0x7)
            if value & 0x30 == 0x30 { new = new & ~0x30 | csw & 0x30 }
            csw = new
        case Register.tar:
            tar = value
        case Register.drw:
            let result = transfer(at: tar, write: value)
            advance()
            return result.map { _ in }
        case Register.bd0, Register.bd0 + 4, Register.bd0 + 8, Register.bd0 + 12:
            return transfer(at: tar & ~0xF | UInt32(register - Register.bd0), write: value).map { _ in }
        default:
            break
        }
        return .success(())
    }

    /// One DRW/BD transfer: a single access of CSW.Size, or with packed increment a whole word of them.
    private func transfer(at address: UInt32, write value: UInt32?) -> Result<UInt32, ChipError> {
        let count = increment == 2 && size < 4 ? 4 / size : 1
        var data: UInt32 = 0
        for index in 0..<count {
            let at = address &+ UInt32(index * size)
            let lane = (at & 3) * 8
            let mask = DeviceMap.widthMask(size)
            do {
                if let value {
                    try chip.write(at, width: size, value: (value >> lane) & mask)
                } else {
                    data |= (try chip.read(at, width: size) & mask) << lane
                }
            } catch let error as ChipError {
                return .failure(error)
            } catch {
                return .failure(.busFault(address: at))
            }
        }
        return .success(data)
    }

    private func advance() {
        guard increment != 0 else { return }
        let step = increment == 2 ? 4 : UInt32(size)
        let mask = incrementBlock - 1
        tar = tar & ~mask | (tar &+ step) & mask
    }
}
