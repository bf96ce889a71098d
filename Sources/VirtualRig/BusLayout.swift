/// Places devices on virtual buses: explicit `port=` paths first, then the next free root port of bus 1, and
/// the hubs that deeper paths need, so that libusb reports the whole port chain (it walks parent devices).
struct BusLayout {
    typealias Location = (bus: Int, ports: [Int])

    private var taken: Set<String> = []
    private var hubs: Set<String> = []
    private var nextRootPort = 1
    private var nextNumber: [Int: Int] = [:]

    /// Reserves every explicit port and the hubs above it, so automatic placement avoids them.
    init(specs: [DeviceSpec]) throws {
        for spec in specs {
            guard let port = spec.port, let location = DeviceSpec.portNumbers(port) else { continue }
            guard taken.insert(port).inserted else {
                throw VirtualRigError.badDeviceSpec("\(spec.kind):\(spec.board)", reason: "port \(port) is taken")
            }
            for depth in 1..<location.ports.count {
                hubs.insert(Self.path(location.bus, Array(location.ports.prefix(depth))))
            }
        }
        for spec in specs {
            guard let port = spec.port, hubs.contains(port) else { continue }
            throw VirtualRigError.badDeviceSpec("\(spec.kind):\(spec.board):port=\(port)",
                                                reason: "port \(port) is the hub in front of another device")
        }
    }

    /// The location of the next device: its explicit port, or the next root port no one else uses.
    mutating func place(_ spec: DeviceSpec) -> Location {
        if let port = spec.port, let location = DeviceSpec.portNumbers(port) { return location }
        while taken.contains(Self.path(1, [nextRootPort])) || hubs.contains(Self.path(1, [nextRootPort])) {
            nextRootPort += 1
        }
        taken.insert(Self.path(1, [nextRootPort]))
        return (1, [nextRootPort])
    }

    /// The next device number on `bus`; 1 is the root hub on a real bus, so devices start at 2.
    mutating func number(on bus: Int) -> Int {
        let number = nextNumber[bus, default: 2]
        nextNumber[bus] = number + 1
        return number
    }

    /// Intermediate hubs, parents before children.
    var hubLocations: [Location] {
        hubs.compactMap(DeviceSpec.portNumbers).sorted { ($0.bus, $0.ports.count) < ($1.bus, $1.ports.count) }
    }

    static func path(_ bus: Int, _ ports: [Int]) -> String {
        "\(bus)-" + ports.map(String.init).joined(separator: ".")
    }
}
