/// One `--device KIND:BOARD[:serial=S][:port=P][:key=value…]` argument.
public struct DeviceSpec: Equatable, Sendable {
    public var kind: String
    public var board: String
    public var serial: String?
    /// A USB port path `BUS-PORT[.PORT…]`, e.g. `1-3` or `2-1.4`.
    public var port: String?
    /// Kind-specific settings, e.g. `base=0x08004000` for `dfu`.
    public var options: [String: String]
    /// Faults to inject: the device's `fault=A,B` plus every `--fault`.
    public var faults: [FaultSpec]

    public init(kind: String, board: String, serial: String? = nil, port: String? = nil,
                options: [String: String] = [:], faults: [FaultSpec] = []) {
        self.kind = kind
        self.board = board
        self.serial = serial
        self.port = port
        self.options = options
        self.faults = faults
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw VirtualRigError.badDeviceSpec(text, reason: "it needs a kind and a board")
        }
        self.init(kind: parts[0], board: parts[1])
        for part in parts.dropFirst(2) {
            guard let equals = part.firstIndex(of: "="), equals != part.startIndex else {
                throw VirtualRigError.badDeviceSpec(text, reason: "'\(part)' is not key=value")
            }
            let key = String(part[..<equals])
            let value = String(part[part.index(after: equals)...])
            switch key {
            case "serial":
                guard !value.isEmpty else { throw VirtualRigError.badDeviceSpec(text, reason: "the serial is empty") }
                serial = value
            case "port":
                guard Self.portNumbers(value) != nil else {
                    throw VirtualRigError.badDeviceSpec(text, reason: "port '\(value)' is not BUS-PORT[.PORT…]")
                }
                port = value
            case "fault":
                faults += try FaultSpec.list(value)
            default:
                options[key] = value
            }
        }
    }

    /// Bus number and port chain of a port path; nil when malformed (`1-3` → (1, [3]), `2-1.4` → (2, [1, 4])).
    public static func portNumbers(_ path: String) -> (bus: Int, ports: [Int])? {
        let halves = path.split(separator: "-", maxSplits: 1).map(String.init)
        guard halves.count == 2, let bus = Int(halves[0]), (1...127).contains(bus) else { return nil }
        let ports = halves[1].split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !ports.isEmpty, ports.count <= 7 else { return nil }
        var numbers: [Int] = []
        for port in ports {
            guard let port, (1...31).contains(port) else { return nil }
            numbers.append(port)
        }
        return (bus, numbers)
    }
}
