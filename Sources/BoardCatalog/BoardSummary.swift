/// The stable JSON shape of a board for `atelier boards list/show --json`: flat, numbers as numbers.
public struct BoardSummary: Codable, Hashable, Sendable {
    public struct Region: Codable, Hashable, Sendable {
        public var name: String
        public var kind: String
        public var start: UInt64
        public var size: UInt64
        public var sectors: [Sector]
        public var writeUnit: Int

        enum CodingKeys: String, CodingKey {
            case name, kind, start, size, sectors
            case writeUnit = "write_unit"
        }
    }

    public struct Sector: Codable, Hashable, Sendable {
        public var size: UInt64
        public var count: Int
    }

    public var id: String
    public var name: String
    public var vendor: String
    public var chip: String
    public var core: String
    public var architecture: String
    public var memory: [Region]
    public var qemu: String?
    public var probes: [String]
    public var console: String
    public var bootloaders: [String]
    public var uf2FamilyID: UInt32?
    public var toolchain: String
    public var swiftTarget: String?
    public var source: String

    enum CodingKeys: String, CodingKey {
        case id, name, vendor, chip, core, architecture, memory, qemu, probes, console, bootloaders, toolchain, source
        case uf2FamilyID = "uf2_family_id"
        case swiftTarget = "swift_target"
    }

    public init(_ board: Board) {
        id = board.id
        name = board.name
        vendor = board.vendor
        chip = board.chip.id
        core = board.core.rawValue
        architecture = board.core.architecture.rawValue
        memory = board.memory.map { region in
            Region(name: region.name, kind: region.kind.rawValue, start: region.start, size: region.size,
                   sectors: region.sectors.map { Sector(size: $0.size, count: $0.count) }, writeUnit: region.writeUnit)
        }
        qemu = board.qemu
        probes = board.probes
        console = board.console.kind.rawValue
        bootloaders = board.chip.bootloaders
        uf2FamilyID = board.chip.uf2FamilyID
        toolchain = board.chip.compiler.toolchain
        swiftTarget = board.chip.compiler.swiftTarget
        source = board.source.file
    }

    // Encode nil optionals as explicit nulls so consumers can rely on every key being present.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(vendor, forKey: .vendor)
        try container.encode(chip, forKey: .chip)
        try container.encode(core, forKey: .core)
        try container.encode(architecture, forKey: .architecture)
        try container.encode(memory, forKey: .memory)
        try container.encode(qemu, forKey: .qemu)
        try container.encode(probes, forKey: .probes)
        try container.encode(console, forKey: .console)
        try container.encode(bootloaders, forKey: .bootloaders)
        try container.encode(uf2FamilyID, forKey: .uf2FamilyID)
        try container.encode(toolchain, forKey: .toolchain)
        try container.encode(swiftTarget, forKey: .swiftTarget)
        try container.encode(source, forKey: .source)
    }
}
