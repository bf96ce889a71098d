/// The processor cores atelier knows, by the names GCC and datasheets use.
public enum Core: String, Hashable, Sendable, Codable, CaseIterable {
    case cortexM0 = "cortex-m0"
    case cortexM0Plus = "cortex-m0plus"
    case cortexM3 = "cortex-m3"
    case cortexM4 = "cortex-m4"
    case cortexM4F = "cortex-m4f"
    case cortexM7 = "cortex-m7"
    case cortexM33 = "cortex-m33"
    case avr5
    case rv32imac

    public enum Architecture: String, Sendable, Codable {
        case arm, avr, riscv
    }

    public var architecture: Architecture {
        switch self {
        case .avr5: .avr
        case .rv32imac: .riscv
        default: .arm
        }
    }

    /// ARMv6-M has no exclusive loads, so atomics are built by masking interrupts.
    public var isARMv6M: Bool { self == .cortexM0 || self == .cortexM0Plus }
}
