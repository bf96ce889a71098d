/// The acknowledgement of one SWD transaction (ADIv5 B4.2): OK, WAIT or FAULT, with their wire values.
public enum DebugAck: UInt8, Sendable, CustomStringConvertible {
    case ok = 1
    case wait = 2
    case fault = 4

    public var description: String {
        switch self {
        case .ok: return "OK"
        case .wait: return "WAIT"
        case .fault: return "FAULT"
        }
    }
}

/// A debug port as a probe drives it over SWD: DP and AP register transactions, each answered with an ACK.
///
/// `address` is the register address A[3:2] as a byte offset (0x0, 0x4, 0x8, 0xC); AP accesses reach the AP
/// selected by DP SELECT.APSEL and the register bank SELECT.APBANKSEL. AP reads are posted as on a real SW-DP:
/// an AP read returns the result of the previous AP read, and the value just read is fetched by the next AP read
/// or by reading DP RDBUFF (0xC). A CMSIS-DAP model hides that the way the firmware does (read AP, then RDBUFF).
///
/// ```swift
/// let dp = SWDebugPort(chip: chip)
/// _ = dp.dpWrite(0x4, 0x5000_0000)              // CDBGPWRUPREQ | CSYSPWRUPREQ
/// _ = dp.apWrite(0x4, 0xE000_ED00)              // TAR = CPUID
/// _ = dp.apRead(0xC)                            // posted
/// let cpuid = dp.dpRead(0xC).value              // RDBUFF = 0x411FC231
/// ```
public protocol DebugPort: AnyObject {
    func dpRead(_ address: UInt8) -> (ack: DebugAck, value: UInt32)
    func dpWrite(_ address: UInt8, _ value: UInt32) -> DebugAck
    func apRead(_ address: UInt8) -> (ack: DebugAck, value: UInt32)
    func apWrite(_ address: UInt8, _ value: UInt32) -> DebugAck
    /// A line reset (50 clocks high): the DP waits for a DPIDR read and keeps its other state.
    func lineReset()
}

extension DebugPort {
    /// An AP register read with the posting hidden: the AP read, then RDBUFF.
    public func apReadValue(_ address: UInt8) -> (ack: DebugAck, value: UInt32) {
        let posted = apRead(address)
        guard posted.ack == .ok else { return posted }
        return dpRead(0xC)
    }
}
