import BoardCatalog
import Foundation

/// Per-unit values from a CSV file keyed by serial: the first row names the columns, one of them `serial`.
///
/// Plain CSV only: commas separate, double quotes may wrap a field and `""` is a quote inside one. Values are
/// written into the identity block as text, so the firmware decides how to parse them.
public struct CSVValues: Sendable, Equatable {
    public let file: String
    public let columns: [String]
    let rows: [String: [String]]

    public init(text: String, file: String, columns wanted: [String]) throws(ProvisioningError) {
        self.file = file
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .map { (number: $0.offset + 1, fields: Self.fields(String($0.element))) }
            .filter { !($0.fields.count == 1 && $0.fields[0].isEmpty) }
        guard !lines.isEmpty else {
            throw .invalidBatch(SourceLocation(file: file, line: 1),
                                "the CSV file is empty; its first row names the columns")
        }
        let header = lines.removeFirst()
        guard let serialColumn = header.fields.firstIndex(of: "serial") else {
            throw .invalidBatch(SourceLocation(file: file, line: header.number), "no 'serial' column in the header")
        }
        var indexes: [Int] = []
        for name in wanted {
            guard let index = header.fields.firstIndex(of: name) else {
                throw .invalidBatch(SourceLocation(file: file, line: header.number),
                                    "no column '\(name)'; the header has \(header.fields.joined(separator: ", "))")
            }
            indexes.append(index)
        }
        var rows: [String: [String]] = [:]
        for line in lines {
            let location = SourceLocation(file: file, line: line.number)
            guard line.fields.count == header.fields.count else {
                throw .invalidBatch(location, "\(line.fields.count) fields where the header has \(header.fields.count)")
            }
            let serial = line.fields[serialColumn]
            guard rows[serial] == nil else { throw .invalidBatch(location, "serial \(serial) appears twice") }
            rows[serial] = indexes.map { line.fields[$0] }
        }
        columns = wanted
        self.rows = rows
    }

    /// The wanted columns' values for `serial`, in column order.
    public func values(for serial: String) throws(ProvisioningError) -> [(name: String, value: String)] {
        guard let row = rows[serial] else { throw .missingValues(file: file, serial: serial) }
        return Array(zip(columns, row)).map { (name: $0.0, value: $0.1) }
    }

    static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(line)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters = characters.dropFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
