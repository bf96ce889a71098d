import BoardCatalog
import Foundation
import Testing
@testable import Provisioning

struct BatchTests {
    static let good = """
        name: widget
        board: stm32f4-discovery
        image: fw.bin
        base: 0x08000000
        count: 5
        identity:
          address: 0x080E0000
          serial: {format: "AT-{yyyy}-{seq:06}", first: 10, last: 99}
          mac: {first: "02:A7:00:00:00:10", last: "02:A7:00:00:00:FF"}
          key: p256
          values: {csv: cal.csv, columns: [adc_gain]}
        """
    static let csv = "serial,adc_gain,unused\nAT-2026-000010,1.02,x\n"

    func parse(_ text: String, csv: String = BatchTests.csv) throws(ProvisioningError) -> Batch {
        try Batch.parse(text, file: "/b/batch.yaml", defaultName: "batch") { (_) throws(ProvisioningError) in csv }
    }

    @Test func aFileAboveTheSizeLimitOrNestedTooDeepIsRefused() {
        let huge = Self.good + "\n#" + String(repeating: "x", count: YAMLNode.maximumFileSize)
        let large = #expect(throws: ProvisioningError.self) { try parse(huge) }
        #expect(large?.description.contains("batch.yaml:1: the file is larger than 1048576 bytes") == true)
        let deep = Self.good.replacingOccurrences(of: "name: widget", with: "name: " + String(repeating: "[", count: 40)
            + String(repeating: "]", count: 40))
        let nested = #expect(throws: ProvisioningError.self) { try parse(deep) }
        #expect(nested?.description.contains("nesting deeper than 32 levels") == true)
    }

    @Test func aCompleteBatchParses() throws {
        let batch = try parse(Self.good)
        #expect(batch.name == "widget")
        #expect(batch.board == "stm32f4-discovery")
        #expect(batch.image == "/b/fw.bin")
        #expect(batch.base == 0x0800_0000)
        #expect(batch.count == 5)
        #expect(batch.identity.address == 0x080E_0000)
        #expect(batch.identity.serial.first == 10 && batch.identity.serial.last == 99)
        #expect(batch.identity.mac?.lowerBound.description == "02:A7:00:00:00:10")
        #expect(batch.identity.key == .p256)
        #expect(try batch.identity.values?.values(for: "AT-2026-000010").first?.value == "1.02")
    }

    @Test func theNameDefaultsToTheFileAndTheOptionalFieldsMayGo() throws {
        let batch = try parse("board: b\nimage: /fw.elf\ncount: 1\nidentity:\n  serial: {format: \"S{seq}\"}\n")
        #expect(batch.name == "batch")
        #expect(batch.identity.mac == nil && batch.identity.key == nil && batch.identity.values == nil)
        #expect(batch.identity.serial.first == 1)
    }

    /// Each broken file and the message it must give, starting with the file:line of the culprit.
    static let broken: [(yaml: String, message: String)] = [
        ("board: b\nimage: fw\ncount: 1\nidentity: {serial: {format: \"S{seq}\"}}\ncolour: red\n",
         "/b/batch.yaml:5: unknown key 'colour'; allowed here: name, board, image, base, count, identity"),
        ("board: b\nimage: fw\nidentity: {serial: {format: \"S{seq}\"}}\n",
         "/b/batch.yaml:1: 'count' is required here"),
        ("board: b\nimage: fw\ncount: lots\nidentity: {serial: {format: \"S{seq}\"}}\n",
         "/b/batch.yaml:3: count must be a number like 42 or 0x08000000"),
        ("board: b\nimage: fw\ncount: 0\nidentity: {serial: {format: \"S{seq}\"}}\n",
         "/b/batch.yaml:3: count must be between 1 and 10000000"),
        ("board: b\nimage: fw\ncount: 1\nidentity:\n  serial: {format: \"S-{yyyy}\"}\n",
         "/b/batch.yaml:5: serial format: the format needs exactly one {seq} counter, found 0"),
        ("board: b\nimage: fw\ncount: 1\nidentity:\n  serial: {format: \"S-{week}{seq}\"}\n",
         "/b/batch.yaml:5: serial format: unknown field '{week}'; use {yyyy} {yy} {mm} {dd} {seq} or {seq:06}"),
        ("board: b\nimage: fw\ncount: 1\nidentity:\n  serial: {format: \"S{seq}\", first: 9, last: 2}\n",
         "/b/batch.yaml:5: serial 'first' 9 is above 'last' 2"),
        ("board: b\nimage: fw\ncount: 1\nidentity:\n  serial: {format: \"S{seq}\"}\n  mac: {first: 02:00, last: x}\n",
         "/b/batch.yaml:6: '02:00' is not a MAC address; write it as 02:A7:00:00:00:00"),
        ("board: b\nimage: fw\ncount: 1\nidentity:\n  serial: {format: \"S{seq}\"}\n  key: rsa\n",
         "/b/batch.yaml:6: key 'rsa' is not one of p256, curve25519"),
        ("board: b\nimage: fw\ncount: 1\nidentity:\n  serial: {format: \"S{seq}\"}\n"
            + "  values: {csv: c.csv, columns: [gain]}\n",
         "c.csv:1: no column 'gain'; the header has serial, adc_gain, unused"),
        ("board: [b\n", "/b/batch.yaml:2: invalid YAML: did not find expected ',' or ']'"),
        ("", "/b/batch.yaml:1: the file is empty"),
    ]

    @Test(arguments: 0..<broken.count) func aBrokenBatchNamesTheLineAndTheFix(_ index: Int) {
        let (yaml, message) = Self.broken[index]
        #expect {
            _ = try parse(yaml)
        } throws: { error in
            "\(error)" == message || { print("got: \(error)"); return false }()
        }
    }

    @Test func csvRowsMustMatchTheHeaderAndSerialsBeUnique() {
        let third = SourceLocation(file: "c.csv", line: 3)
        #expect(throws: ProvisioningError.invalidBatch(third, "serial A appears twice")) {
            _ = try CSVValues(text: "serial,g\nA,1\nA,2\n", file: "c.csv", columns: ["g"])
        }
        #expect(throws: ProvisioningError.invalidBatch(SourceLocation(file: "c.csv", line: 2),
                                                       "1 fields where the header has 2")) {
            _ = try CSVValues(text: "serial,g\nA\n", file: "c.csv", columns: ["g"])
        }
        #expect(throws: ProvisioningError.missingValues(file: "c.csv", serial: "B")) {
            _ = try CSVValues(text: "serial,g\n\"A\",\"1,5\"\n", file: "c.csv", columns: ["g"]).values(for: "B")
        }
    }

    @Test func quotedCSVFieldsKeepTheirCommasAndQuotes() throws {
        let values = try CSVValues(text: "serial,note\nA,\"x, \"\"y\"\"\"\n", file: "c.csv", columns: ["note"])
        #expect(try values.values(for: "A").first?.value == "x, \"y\"")
    }
}
