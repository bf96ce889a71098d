/// Turns merged YAML into `Chip` and `Board` values, with a located error for every bad field.
extension Chip {
    static let keys = [
        "id", "extends", "vendor", "core", "memory", "flash_controller", "debug", "bootloaders", "compiler",
        "uf2_family_id",
    ]

    init(decoding node: YAMLNode) throws(BoardCatalogError) {
        let map = try MappingReader(node, what: "a chip file", allowed: Self.keys)
        id = try map.requiredString("id")
        vendor = try map.string("vendor") ?? "unknown"
        guard let core = try map.enumeration("core", as: Core.self) else {
            throw .invalid(map.location, "chip '\(id)' is missing required key 'core'")
        }
        self.core = core
        memory = []
        var regionLocations: [SourceLocation] = []
        for item in try map.list("memory") {
            memory.append(try MemoryRegion(decoding: item))
            regionLocations.append(item.location)
        }
        if memory.isEmpty { throw .invalid(map.location, "chip '\(id)' has no 'memory' regions") }
        flashController = try map.string("flash_controller")
        debug = try map.node("debug").map { node throws(BoardCatalogError) in try DebugIdentity(decoding: node) }
        bootloaders = try map.strings("bootloaders")
        compiler = try CompilerSettings(decoding: try map.requiredNode("compiler"))
        if let family = try map.size("uf2_family_id") {
            guard let value = UInt32(exactly: family) else {
                throw .invalid(map.keyLocation("uf2_family_id"), "uf2_family_id must fit in 32 bits")
            }
            uf2FamilyID = value
        } else {
            uf2FamilyID = nil
        }
        source = map.location
        try validate(regionLocations: regionLocations)
    }
}

extension MemoryRegion {
    static let keys = ["name", "kind", "start", "size", "sectors", "write_unit", "erased", "program_us", "mass_erase_ms"]

    init(decoding node: YAMLNode) throws(BoardCatalogError) {
        let map = try MappingReader(node, what: "a memory region", allowed: Self.keys)
        name = try map.requiredString("name")
        guard let kind = try map.enumeration("kind", as: Kind.self) else {
            throw .invalid(map.location, "memory region '\(name)' is missing required key 'kind'")
        }
        self.kind = kind
        start = try map.requiredSize("start")
        size = try map.requiredSize("size")
        sectors = []
        for item in try map.list("sectors") { sectors.append(try SectorGroup(decoding: item)) }
        let unit = try map.size("write_unit") ?? 1
        guard unit > 0, unit <= 4096, unit & (unit - 1) == 0 else {
            throw .invalid(map.keyLocation("write_unit"), "write_unit must be a power of two from 1 to 4096, not \(unit)")
        }
        writeUnit = Int(unit)
        let erasedValue = try map.size("erased") ?? 0xFF
        guard let erasedByte = UInt8(exactly: erasedValue) else {
            throw .invalid(map.keyLocation("erased"), "erased must be a byte value (0x00 to 0xFF)")
        }
        erased = erasedByte
        programMicroseconds = try map.number("program_us")
        massEraseMilliseconds = try map.number("mass_erase_ms")
    }
}

extension SectorGroup {
    init(decoding node: YAMLNode) throws(BoardCatalogError) {
        let map = try MappingReader(node, what: "a sector group", allowed: ["size", "count", "erase_ms"])
        size = try map.requiredSize("size")
        let count = try map.requiredSize("count")
        guard size > 0, count > 0, count <= 1 << 20 else {
            throw .invalid(map.location, "a sector group needs a size and a count above zero")
        }
        self.count = Int(count)
        eraseMilliseconds = try map.number("erase_ms")
    }
}

extension DebugIdentity {
    static let keys = [
        "interface", "dp_idcode", "part_idcode", "part_idcode_address", "flash_size_address", "unique_id_address",
        "unique_id_size", "signature",
    ]

    init(decoding node: YAMLNode) throws(BoardCatalogError) {
        let map = try MappingReader(node, what: "'debug'", allowed: Self.keys)
        interface = try map.enumeration("interface", as: Interface.self) ?? .swd
        dpIDCode = try Self.word(map, "dp_idcode")
        partIDCode = try Self.word(map, "part_idcode")
        partIDAddress = try map.size("part_idcode_address")
        flashSizeAddress = try map.size("flash_size_address")
        uniqueIDAddress = try map.size("unique_id_address")
        uniqueIDSize = try Self.uniqueIDSize(map, address: uniqueIDAddress)
        let bytes = try map.strings("signature")
        if bytes.isEmpty {
            signature = nil
        } else {
            var parsed: [UInt8] = []
            for text in bytes {
                guard let value = ByteSize.parse(text), let byte = UInt8(exactly: value) else {
                    throw .invalid(map.keyLocation("signature"), "signature bytes must be 0x00 to 0xFF, not '\(text)'")
                }
                parsed.append(byte)
            }
            signature = parsed
        }
    }

    /// `unique_id_size`: 1 to 32 bytes, and only next to the address it measures.
    private static func uniqueIDSize(_ map: MappingReader, address: UInt64?) throws(BoardCatalogError) -> Int? {
        guard let size = try map.size("unique_id_size") else { return nil }
        guard address != nil else {
            throw .invalid(map.keyLocation("unique_id_size"), "unique_id_size needs a unique_id_address to measure")
        }
        guard size >= 1, size <= UInt64(maxUniqueIDSize) else {
            throw .invalid(map.keyLocation("unique_id_size"),
                           "unique_id_size must be 1 to \(maxUniqueIDSize) bytes, not \(size)")
        }
        return Int(size)
    }

    private static func word(_ map: MappingReader, _ key: String) throws(BoardCatalogError) -> UInt32? {
        guard let value = try map.size(key) else { return nil }
        guard let word = UInt32(exactly: value) else { throw .invalid(map.keyLocation(key), "\(key) must fit in 32 bits") }
        return word
    }
}

extension CompilerSettings {
    init(decoding node: YAMLNode) throws(BoardCatalogError) {
        let map = try MappingReader(node, what: "'compiler'", allowed: ["toolchain", "flags", "swift_target"])
        toolchain = try map.requiredString("toolchain")
        flags = try map.strings("flags")
        swiftTarget = try map.string("swift_target")
    }
}

extension Board {
    static let keys = ["id", "extends", "name", "vendor", "chip", "clock_hz", "leds", "console", "probes", "qemu"]

    init(decoding node: YAMLNode, chips: [String: Chip]) throws(BoardCatalogError) {
        let map = try MappingReader(node, what: "a board file", allowed: Self.keys)
        id = try map.requiredString("id")
        name = try map.string("name") ?? id
        let chipID = try map.requiredString("chip")
        guard let chip = chips[chipID] else {
            throw .unknownReference(map.keyLocation("chip"), kind: "chip", id: chipID,
                                    suggestions: closest(to: chipID, in: chips.keys.sorted()))
        }
        self.chip = chip
        vendor = try map.string("vendor") ?? chip.vendor
        clockHz = try map.size("clock_hz")
        leds = []
        for item in try map.list("leds") {
            let led = try MappingReader(item, what: "an LED", allowed: ["name", "pin", "active"])
            let active = try led.string("active") ?? "high"
            guard active == "high" || active == "low" else {
                throw .invalid(led.keyLocation("active"), "an LED is active 'high' or 'low', not '\(active)'")
            }
            leds.append(LED(name: try led.requiredString("name"), pin: try led.requiredString("pin"), activeLow: active == "low"))
        }
        if let consoleNode = map.node("console") {
            let console = try MappingReader(consoleNode, what: "'console'", allowed: ["kind", "peripheral", "data_register", "baud"])
            self.console = Console(
                kind: try console.enumeration("kind", as: Console.Kind.self) ?? .none,
                peripheral: try console.string("peripheral"),
                dataRegister: try console.size("data_register"),
                baud: try console.size("baud").map { Int($0) }
            )
        } else {
            console = Console(kind: .none)
        }
        probes = try map.strings("probes")
        qemu = try map.string("qemu")
        source = map.location
    }
}
