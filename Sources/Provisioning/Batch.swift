import BoardCatalog
import Foundation

/// A production batch: which board, which image, what each unit's identity holds, and how many units.
///
/// ```yaml
/// name: widget-rev-b          # the ledger key; default: the file name without extension
/// board: stm32f4-discovery
/// image: firmware.bin         # relative to this file; its SHA-256 goes into every ledger row
/// base: 0x08000000            # raw .bin images only
/// count: 500
/// identity:
///   address: 0x080E0000       # default: the start of the last flash sector
///   serial: {format: "AT-{yyyy}-{seq:06}", first: 1, last: 999999}
///   mac: {first: "02:A7:00:00:00:00", last: "02:A7:00:00:FF:FF"}
///   key: p256                 # or curve25519; generated on the station, private half to the device only
///   values: {csv: calibration.csv, columns: [adc_offset, adc_gain]}
/// ```
public struct Batch: Sendable {
    public var name: String
    public var board: String
    public var image: String
    public var base: UInt64?
    public var count: Int
    public var identity: IdentitySpec

    /// The counter values the batch may use: serial counter `first...last`.
    public var sequences: ClosedRange<UInt64> { identity.serial.first...identity.serial.last }
}

/// What goes into each unit's identity block.
public struct IdentitySpec: Sendable {
    public struct Serial: Sendable {
        public var format: SerialFormat
        public var first: UInt64
        public var last: UInt64
    }

    public var address: UInt64?
    /// Where `address` was given (or the `identity:` key), for errors found once the board is known.
    public var addressLocation: SourceLocation
    public var serial: Serial
    public var mac: ClosedRange<MACAddress>?
    public var key: KeyAlgorithm?
    public var values: CSVValues?
}

/// The key pair kinds a station can generate with swift-crypto.
public enum KeyAlgorithm: String, Sendable, CaseIterable {
    case p256
    case curve25519
}

extension Batch {
    static let topKeys = ["name", "board", "image", "base", "count", "identity"]
    static let identityKeys = ["address", "serial", "mac", "key", "values"]

    /// Reads and checks a batch file; relative paths in it are resolved against its folder.
    public static func load(path: String) throws(ProvisioningError) -> Batch {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        let folder = (path as NSString).deletingLastPathComponent
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(text, file: path, defaultName: stem) { (name) throws(ProvisioningError) -> String in
            let full = name.hasPrefix("/") ? name : (folder as NSString).appendingPathComponent(name)
            do {
                return try String(contentsOfFile: full, encoding: .utf8)
            } catch {
                throw .unreadable(path: full, reason: "\(error.localizedDescription)")
            }
        }
    }

    /// Parses batch YAML; `readFile` reads a file the batch names (the CSV), so tests need no disk.
    public static func parse(
        _ text: String, file: String, defaultName: String,
        readFile: (String) throws(ProvisioningError) -> String
    ) throws(ProvisioningError) -> Batch {
        let root = try YAMLNode.parseBatch(text, file: file)
        let top = try root.mapping(allowed: topKeys)
        func required(_ key: String) throws(ProvisioningError) -> YAMLNode {
            guard let node = top[key] else { throw .missingKey(root.location, key: key) }
            return node
        }
        let count = try required("count").integer("count")
        guard (1...10_000_000).contains(count) else {
            throw .invalidBatch(try required("count").location, "count must be between 1 and 10000000")
        }
        var image = try required("image").string("image")
        if !image.hasPrefix("/") {
            image = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(image)
        }
        return Batch(
            name: try top["name"]?.string("name") ?? defaultName,
            board: try required("board").string("board"),
            image: image,
            base: try top["base"]?.integer("base"),
            count: Int(count),
            identity: try identity(try required("identity"), readFile: readFile))
    }

    static func identity(
        _ node: YAMLNode, readFile: (String) throws(ProvisioningError) -> String
    ) throws(ProvisioningError) -> IdentitySpec {
        let fields = try node.mapping(allowed: identityKeys)
        guard let serialNode = fields["serial"] else { throw .missingKey(node.location, key: "serial") }
        var key: KeyAlgorithm?
        if let keyNode = fields["key"] {
            let name = try keyNode.string("key")
            guard let algorithm = KeyAlgorithm(rawValue: name) else {
                throw .invalidBatch(keyNode.location, "key '\(name)' is not one of p256, curve25519")
            }
            key = algorithm
        }
        return IdentitySpec(
            address: try fields["address"]?.integer("address"),
            addressLocation: fields["address"]?.location ?? node.location,
            serial: try serial(serialNode),
            mac: try fields["mac"].map { (node) throws(ProvisioningError) in try mac(node) },
            key: key,
            values: try fields["values"].map { (node) throws(ProvisioningError) in try values(node, readFile) })
    }

    static func serial(_ node: YAMLNode) throws(ProvisioningError) -> IdentitySpec.Serial {
        let fields = try node.mapping(allowed: ["format", "first", "last"])
        guard let formatNode = fields["format"] else { throw .missingKey(node.location, key: "format") }
        let format: SerialFormat
        do {
            format = try SerialFormat(parsing: try formatNode.string("format"))
        } catch {
            throw .invalidBatch(formatNode.location, "serial format: \(error)")
        }
        let first = try fields["first"]?.integer("first") ?? 1
        let last = try fields["last"]?.integer("last") ?? 999_999
        guard first <= last else {
            throw .invalidBatch(node.location, "serial 'first' \(first) is above 'last' \(last)")
        }
        return IdentitySpec.Serial(format: format, first: first, last: last)
    }

    static func mac(_ node: YAMLNode) throws(ProvisioningError) -> ClosedRange<MACAddress> {
        let fields = try node.mapping(allowed: ["first", "last"])
        func address(_ key: String) throws(ProvisioningError) -> MACAddress {
            guard let field = fields[key] else { throw .missingKey(node.location, key: key) }
            let text = try field.string(key)
            guard let mac = MACAddress(parsing: text) else {
                throw .invalidBatch(field.location, "'\(text)' is not a MAC address; write it as 02:A7:00:00:00:00")
            }
            return mac
        }
        let first = try address("first")
        let last = try address("last")
        guard first <= last else { throw .invalidBatch(node.location, "MAC 'first' \(first) is above 'last' \(last)") }
        return first...last
    }

    static func values(
        _ node: YAMLNode, _ readFile: (String) throws(ProvisioningError) -> String
    ) throws(ProvisioningError) -> CSVValues {
        let fields = try node.mapping(allowed: ["csv", "columns"])
        guard let csv = fields["csv"] else { throw .missingKey(node.location, key: "csv") }
        guard let columnsNode = fields["columns"] else { throw .missingKey(node.location, key: "columns") }
        let name = try csv.string("csv")
        let columns = try columnsNode.strings("columns")
        for column in columns where column.utf8.count > 32 || column.isEmpty {
            throw .invalidBatch(columnsNode.location, "column name '\(column)' must be 1 to 32 bytes")
        }
        return try CSVValues(text: try readFile(name), file: name, columns: columns)
    }
}
