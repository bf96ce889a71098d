import BoardCatalog
import Foundation
import Testing
import USB
@testable import Rig

@Suite struct RigSpecTests {
    static let good = """
        slots:
          - name: bp-1
            board: bluepill
            probe: 0123456789ABCDEF01234567
            tags: [f1, smoke]
          - name: bp-2
            board: bluepill
            probe: usb:1-4.2
          - name: f4
            board: stm32f4-discovery
            probe: 0483:374b:ABCDEF0123456789ABCDEF01
            tags: f4
        """

    @Test func parsesSlotsWithTheirLines() throws {
        let spec = try RigSpec.parse(Self.good, path: "rig.yaml")
        #expect(spec.slots.map(\.name) == ["bp-1", "bp-2", "f4"])
        #expect(spec.slots.map(\.location.line) == [2, 6, 9])
        #expect(spec.slots[0].tags == ["f1", "smoke"])
        #expect(spec.slots[2].tags == ["f4"])
        #expect(spec.slots[1].probe == (try ProbeSelector(parsing: "usb:1-4.2")))
    }

    @Test func aFileAboveTheSizeLimitIsRefusedBeforeParsing() {
        let huge = Self.good + "\n#" + String(repeating: "x", count: RigSpec.maximumFileSize)
        #expect(throws: RigError.invalid(SourceLocation(file: "rig.yaml", line: 1), "the file is larger than 1048576 "
            + "bytes; a rig file lists slots and is a few kilobytes")) { try RigSpec.parse(huge, path: "rig.yaml") }
    }

    @Test func selectsByNameAndTag() throws {
        let spec = try RigSpec.parse(Self.good, path: "rig.yaml")
        #expect(try spec.select(names: [], tag: nil).count == 3)
        #expect(try spec.select(names: ["f4", "bp-1"], tag: nil).map(\.name) == ["bp-1", "f4"])
        #expect(try spec.select(names: [], tag: "smoke").map(\.name) == ["bp-1"])
        #expect(throws: RigError.unknownSlot("nope", known: ["bp-1", "bp-2", "f4"])) {
            try spec.select(names: ["nope"], tag: nil)
        }
    }

    @Test func aSlotNamedTwiceIsAnErrorNamingBothLines() {
        let text = """
            slots:
              - name: a
                board: bluepill
                probe: AAA
              - name: a
                board: bluepill
                probe: BBB
            """
        #expect(throws: RigError.duplicateSlot(name: "a", first: .init(file: "r.yaml", line: 2),
                                               second: .init(file: "r.yaml", line: 5))) {
            try RigSpec.parse(text, path: "r.yaml")
        }
        let message = RigError.duplicateSlot(name: "a", first: .init(file: "r.yaml", line: 2),
                                             second: .init(file: "r.yaml", line: 5)).description
        #expect(message == "r.yaml:5: slot 'a' is already defined at line 2; give each slot its own name")
    }

    @Test(arguments: [
        ("slots:\n  - name: a\n    board: bluepill\n", 2, "missing required key 'probe'"),
        ("slots:\n  - name: a\n    board: bluepill\n    probe: X\n    colour: red\n", 5, "unknown key 'colour'"),
        ("slot:\n  - name: a\n", 1, "unknown key 'slot'"),
        ("slots: []\n", 1, "'slots' must be a non-empty list"),
        ("slots:\n  - name: a b\n    board: bluepill\n    probe: X\n", 2, "slot name 'a b' may only use"),
        ("slots:\n  - name: a\n    board: bluepill\n    probe: usb:zz\n", 4, "slot 'a': invalid probe"),
        ("slots:\n  - name: [a\n", 3, "invalid YAML"),
    ])
    func invalidFilesNameTheLine(text: String, line: Int, message: String) {
        do {
            _ = try RigSpec.parse(text, path: "rig.yaml")
            Issue.record("accepted \(text)")
        } catch {
            let description = error.description
            #expect(description.hasPrefix("rig.yaml:"), "\(description)")
            #expect(description.contains(message), "\(description)")
            if case .invalid(let location, _) = error { #expect(location.line == line, "\(description)") }
        }
    }
}
