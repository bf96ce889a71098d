import BoardCatalog

/// One injected fault, as `--fault SPEC` or a device's `:fault=SPEC[,SPEC…]` gives it (DESIGN.md section 7).
///
/// Byte counts are data bytes of class and vendor control requests (their data stage, either way) and of bulk
/// transfers, counted from the start of the run; enumeration (standard requests) does not count, so a fault
/// lands at the same place whatever tool enumerates the device first.
public enum FaultSpec: Equatable, Sendable, CustomStringConvertible {
    /// The device leaves the bus once `bytes` have moved: every later request fails with ENODEV.
    case unplugAfter(bytes: UInt64)
    /// The first request after `bytes` is answered with a STALL (EPIPE); later ones are served again.
    case stallAfter(bytes: UInt64)
    /// Every request after `bytes` stays unanswered until the host gives up (its timeout) and discards it.
    case timeoutAfter(bytes: UInt64)
    /// Read-back data has bit 0 flipped at `address`, or at the first address read when nil; the flash is right.
    case bitflipReadback(address: UInt64?)
    /// A write-protected sector, by index in the flash region or by an address inside it (`0x…`).
    case writeProtect(Sector)

    public enum Sector: Equatable, Sendable {
        case index(Int)
        case address(UInt64)
    }

    /// The syntax, for help texts and error messages.
    public static let syntax = "unplug-after=N, stall, stall-after=N, timeout, timeout-after=N, "
        + "bitflip-readback[=ADDR], write-protect=SECTOR|ADDR"

    /// Faults the USB layer injects for any device; the others belong to a device model.
    public var isGeneric: Bool {
        switch self {
        case .unplugAfter, .stallAfter, .timeoutAfter: true
        case .bitflipReadback, .writeProtect: false
        }
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        let name = parts.first ?? ""
        let value = parts.count == 2 ? parts[1] : nil
        func number() throws -> UInt64 {
            guard let value else { throw VirtualRigError.badFault(text, reason: "'\(name)' needs =N") }
            guard let parsed = ByteSize.parse(value) else {
                throw VirtualRigError.badFault(text, reason: "'\(value)' is not a number")
            }
            return parsed
        }
        switch name {
        case "unplug-after": self = .unplugAfter(bytes: try number())
        case "stall": self = .stallAfter(bytes: value == nil ? 0 : try number())
        case "stall-after": self = .stallAfter(bytes: try number())
        case "timeout": self = .timeoutAfter(bytes: value == nil ? 0 : try number())
        case "timeout-after": self = .timeoutAfter(bytes: try number())
        case "bitflip-readback": self = .bitflipReadback(address: value == nil ? nil : try number())
        case "write-protect":
            guard let value, !value.isEmpty else {
                throw VirtualRigError.badFault(text, reason: "'write-protect' needs =SECTOR or =0xADDRESS")
            }
            if value.lowercased().hasPrefix("0x") {
                self = .writeProtect(.address(try number()))
            } else if let index = Int(value), index >= 0 {
                self = .writeProtect(.index(index))
            } else {
                throw VirtualRigError.badFault(text, reason: "'\(value)' is neither a sector index nor a 0x address")
            }
        default:
            throw VirtualRigError.badFault(text, reason: "unknown fault '\(name)'")
        }
    }

    /// Several faults separated by commas, as in a device's `fault=` setting.
    public static func list(_ text: String) throws -> [FaultSpec] {
        try text.split(separator: ",").map { try FaultSpec(parsing: String($0)) }
    }

    public var description: String {
        switch self {
        case .unplugAfter(let bytes): "unplug-after=\(bytes)"
        case .stallAfter(let bytes): "stall-after=\(bytes)"
        case .timeoutAfter(let bytes): "timeout-after=\(bytes)"
        case .bitflipReadback(let address): "bitflip-readback" + (address.map { "=\(hexAddress($0))" } ?? "")
        case .writeProtect(.index(let index)): "write-protect=\(index)"
        case .writeProtect(.address(let address)): "write-protect=\(hexAddress(address))"
        }
    }
}

func hexAddress(_ value: UInt64) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
