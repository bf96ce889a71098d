/// The silicon: core, memory map, flash controller and debug identity. Written once per part in `Boards/chips/`.
public struct Chip: Hashable, Sendable, Codable {
    public var id: String
    public var vendor: String
    public var core: Core
    public var memory: [MemoryRegion]
    /// The flash controller model (`stm32f1`, `stm32f4`, `nrf52`, …) that drivers and the virtual rig implement.
    public var flashController: String?
    public var debug: DebugIdentity?
    /// ROM bootloaders the part has, e.g. `dfuse` on STM32F4 or `picoboot` on RP2040.
    public var bootloaders: [String]
    public var compiler: CompilerSettings
    /// The UF2 family id, for chips whose bootloader takes UF2 files.
    public var uf2FamilyID: UInt32?
    /// Where this chip was defined, for messages.
    public var source: SourceLocation

    /// The first flash region: where firmware goes.
    public var flash: MemoryRegion? { memory.first { $0.kind == .flash } }
    /// The first RAM region: where the stack and data go.
    public var ram: MemoryRegion? { memory.first { $0.kind == .ram } }

    /// The region that holds `address`, if any.
    public func region(containing address: UInt64) -> MemoryRegion? { memory.first { $0.contains(address) } }
}

/// What is soldered around a chip: its name, clock, LEDs, console and the probes that reach it.
public struct Board: Hashable, Sendable, Codable {
    public var id: String
    public var name: String
    public var vendor: String
    public var chip: Chip
    public var clockHz: UInt64?
    public var leds: [LED]
    public var console: Console
    /// Programmer kinds that can flash this board: `stlink`, `cmsis-dap`, `dfuse`, `picoboot`, `usbasp`, …
    public var probes: [String]
    /// The QEMU machine that emulates this board, if there is one.
    public var qemu: String?
    public var source: SourceLocation

    public var core: Core { chip.core }
    public var memory: [MemoryRegion] { chip.memory }
}

public struct LED: Hashable, Sendable, Codable {
    public var name: String
    public var pin: String
    public var activeLow: Bool
}

/// Where a board's firmware prints.
public struct Console: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case semihosting, uart, rtt, none
    }

    public var kind: Kind
    /// For `uart`: the peripheral, e.g. `USART2`.
    public var peripheral: String?
    /// For `uart`: the data register's address, which the virtual rig watches.
    public var dataRegister: UInt64?
    public var baud: Int?
}

/// The debug port as a probe sees it.
public struct DebugIdentity: Hashable, Sendable, Codable {
    public enum Interface: String, Hashable, Sendable, Codable, CaseIterable {
        case swd, jtag, isp, none
    }

    public var interface: Interface
    /// SW-DP DPIDR (ADIv5), checked by OpenOCD's target scripts.
    public var dpIDCode: UInt32?
    /// DBGMCU_IDCODE (STM32) or the equivalent part register.
    public var partIDCode: UInt32?
    /// Address of the part id register (0xE0042000 on STM32).
    public var partIDAddress: UInt64?
    /// Address of the register that holds the flash size in KiB.
    public var flashSizeAddress: UInt64?
    /// Address of the factory unique id.
    public var uniqueIDAddress: UInt64?
    /// Its length in bytes (`unique_id_size`); nil with an address means 12, the 96-bit STM32/GD32 UID.
    public var uniqueIDSize: Int?
    /// AVR signature bytes, for ISP parts.
    public var signature: [UInt8]?

    /// The factory unique ID's address and length, when the chip has one a debug port can read.
    public var uniqueID: (address: UInt64, size: Int)? {
        uniqueIDAddress.map { ($0, uniqueIDSize ?? Self.defaultUniqueIDSize) }
    }

    /// What a `unique_id_address` without a size means: the 96-bit UID every STM32 and GD32 chip file had first.
    public static let defaultUniqueIDSize = 12
    /// The longest ID a chip file may declare (wider IDs than 128 bits are not known on any supported part).
    public static let maxUniqueIDSize = 32
}

/// How to compile for this chip: the GNU toolchain prefix, its flags, and Embedded Swift's target triple.
public struct CompilerSettings: Hashable, Sendable, Codable {
    /// The GNU triple prefix: `arm-none-eabi`, `avr`, `riscv64-unknown-elf`.
    public var toolchain: String
    public var flags: [String]
    /// Embedded Swift's target, when this toolchain ships an Embedded stdlib for the architecture.
    public var swiftTarget: String?
}
