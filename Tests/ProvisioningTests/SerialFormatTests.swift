import Foundation
import Testing
@testable import Provisioning

struct SerialFormatTests {
    /// 2026-03-07 12:00 UTC.
    static let date = Date(timeIntervalSince1970: 1_772_884_800)

    static let cases: [(format: String, sequence: UInt64, serial: String)] = [
        ("AT-{yyyy}-{seq:06}", 42, "AT-2026-000042"),
        ("{yy}{mm}{dd}-{seq:04}", 7, "260307-0007"),
        ("S{seq}", 1_234_567, "S1234567"),
        ("X{seq:02}", 123, "X123"),
        ("{seq:03}-END", 5, "005-END"),
    ]

    @Test(arguments: 0..<cases.count) func rendersTheDateFieldsAndThePaddedCounter(_ index: Int) throws {
        let (format, sequence, serial) = Self.cases[index]
        #expect(try SerialFormat(parsing: format).render(sequence: sequence, date: Self.date) == serial)
    }

    @Test func refusesFormatsThatCouldRepeatOrNeverClose() {
        #expect(throws: SerialFormatError.counterCount(0)) { try SerialFormat(parsing: "AT-{yyyy}") }
        #expect(throws: SerialFormatError.counterCount(2)) { try SerialFormat(parsing: "{seq}{seq}") }
        #expect(throws: SerialFormatError.unclosedField) { try SerialFormat(parsing: "AT-{seq") }
        #expect(throws: SerialFormatError.unknownField("seq:6")) { try SerialFormat(parsing: "{seq:6}") }
    }

    @Test func macAddressesParseAndPrintInCanonicalForm() {
        #expect(MACAddress(parsing: "02-a7-00-00-01-ff")?.description == "02:A7:00:00:01:FF")
        #expect(MACAddress(parsing: "02:A7:00:00:01")  == nil)
        #expect(MACAddress(parsing: "02:A7:00:00:01:GG") == nil)
        #expect(MACAddress(1 << 48) == nil)
    }
}
