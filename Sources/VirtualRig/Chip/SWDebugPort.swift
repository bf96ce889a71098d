/// An ADIv5 SW-DP (DPv1, as on STM32F1/F4 and nRF52; ADIv5 B2.2) in front of one AHB-AP.
///
/// CTRL/STAT's power-up acknowledges follow their requests at once; STICKYERR is set by a faulting AP transfer
/// and makes every later AP access, and RDBUFF, answer FAULT until ABORT.STKERRCLR clears it. AP reads are
/// posted (RDBUFF).
public final class SWDebugPort: DebugPort {
    enum Control {
        static let stickyOverrun: UInt32 = 1 << 1, stickyCompare: UInt32 = 1 << 4, stickyError: UInt32 = 1 << 5
        static let readOK: UInt32 = 1 << 6, writeDataError: UInt32 = 1 << 7
        static let debugResetRequest: UInt32 = 1 << 26, debugResetAck: UInt32 = 1 << 27
        static let debugPowerRequest: UInt32 = 1 << 28, debugPowerAck: UInt32 = 1 << 29
        static let systemPowerRequest: UInt32 = 1 << 30, systemPowerAck: UInt32 = 1 << 31
        /// ORUNDETECT, TRNMODE, MASKLANE, TRNCNT and the three requests are plain read/write bits.
        static let writable: UInt32 = 0x1 | 0xC | 0xF00 | 0x3F_F000 | debugResetRequest | debugPowerRequest
            | systemPowerRequest
    }

    public let chip: VirtualChip
    public let accessPort: MemoryAccessPort
    /// Every AP by APSEL: the AHB-AP at 0, and Nordic's CTRL-AP at 1 on nRF52.
    private var accessPorts: [UInt32: AccessPort]
    private var control: UInt32 = 0
    private var select: UInt32 = 0
    private var readBuffer: UInt32 = 0
    /// After a line reset the DP answers nothing but a DPIDR read (ADIv5 B4.3.3).
    public private(set) var needsIDRead = true

    public init(chip: VirtualChip) {
        self.chip = chip
        accessPort = MemoryAccessPort(chip: chip)
        accessPorts = [0: accessPort]
        if chip.chip.flashController == "nrf52" { accessPorts[1] = NordicControlAccessPort(chip: chip) }
    }

    public func lineReset() {
        needsIDRead = true
    }

    /// Whether an AP transfer may go ahead now.
    private var apUsable: Bool { control & Control.stickyError == 0 && !needsIDRead }

    public func dpRead(_ address: UInt8) -> (ack: DebugAck, value: UInt32) {
        switch address & 0xC {
        case 0x0:
            needsIDRead = false
            return (.ok, chip.dpIDCode)
        case 0x4:
            guard !needsIDRead else { return (.fault, 0) }
            return (.ok, readBankedRegister())
        default:
            // RESEND (0x8) and RDBUFF (0xC): the last AP read result. A sticky error makes them answer FAULT
            // (ADIv5 B4.2.4), which is how a posted AP read that failed reaches the probe.
            return (needsIDRead || control & Control.stickyError != 0 ? .fault : .ok, readBuffer)
        }
    }

    private func readBankedRegister() -> UInt32 {
        switch select & 0xF {
        case 0:
            // Each request is acknowledged at once (ADIv5 B2.2.2): writing 0x50000000 reads back 0xF0000000.
            var value = control
            if control & Control.debugPowerRequest != 0 { value |= Control.debugPowerAck }
            if control & Control.systemPowerRequest != 0 { value |= Control.systemPowerAck }
            if control & Control.debugResetRequest != 0 { value |= Control.debugResetAck }
            return value | Control.readOK
        case 1:
            return 0  // DLCR: one turnaround cycle.
        default:
            return 0  // TARGETID and the other DPv2 banks do not exist on a DPv1.
        }
    }

    public func dpWrite(_ address: UInt8, _ value: UInt32) -> DebugAck {
        guard !needsIDRead else { return .fault }
        switch address & 0xC {
        case 0x0:
            // ABORT: STKCMPCLR, STKERRCLR, WDERRCLR, ORUNERRCLR clear their sticky flags.
            if value & (1 << 1) != 0 { control &= ~Control.stickyCompare }
            if value & (1 << 2) != 0 { control &= ~Control.stickyError }
            if value & (1 << 3) != 0 { control &= ~Control.writeDataError }
            if value & (1 << 4) != 0 { control &= ~Control.stickyOverrun }
        case 0x4:
            if select & 0xF == 0 {
                control = control & ~Control.writable | value & Control.writable
            }
        case 0x8:
            select = value
        default:
            break  // TARGETSEL is DPv2 only.
        }
        return .ok
    }

    public func apRead(_ address: UInt8) -> (ack: DebugAck, value: UInt32) {
        guard apUsable else { return (.fault, 0) }
        let previous = readBuffer
        switch accessPort(for: select >> 24)?.read(register(address)) {
        case .some(.success(let value)):
            readBuffer = value
        case .some(.failure):
            readBuffer = 0
            control |= Control.stickyError
        case .none:
            readBuffer = 0  // No AP at this APSEL: its registers read as zero.
        }
        return (.ok, previous)
    }

    public func apWrite(_ address: UInt8, _ value: UInt32) -> DebugAck {
        guard apUsable else { return .fault }
        if let port = accessPort(for: select >> 24), case .failure = port.write(register(address), value) {
            control |= Control.stickyError
        }
        return .ok
    }

    /// The AP register address: APBANKSEL from SELECT[7:4] and A[3:2].
    private func register(_ address: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: select & 0xF0) | address & 0xC
    }

    private func accessPort(for number: UInt32) -> AccessPort? {
        power ? accessPorts[number] : nil
    }

    /// Without CDBGPWRUPREQ and CSYSPWRUPREQ the debug and system domains are off: no AP answers.
    private var power: Bool {
        control & (Control.debugPowerRequest | Control.systemPowerRequest)
            == Control.debugPowerRequest | Control.systemPowerRequest
    }
}
