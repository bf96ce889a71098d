import Testing
@testable import USB

struct ProbeSelectorTests {
    @Test(arguments: [
        ("0483:3748", ProbeSelector.usbID(vendor: 0x0483, product: 0x3748, serial: nil)),
        ("0483:DF11", .usbID(vendor: 0x0483, product: 0xDF11, serial: nil)),
        ("0x0483:0x374b", .usbID(vendor: 0x0483, product: 0x374B, serial: nil)),
        ("0483:3748:066DFF3", .usbID(vendor: 0x0483, product: 0x3748, serial: "066DFF3")),
        ("0483:3748:AB:CD", .usbID(vendor: 0x0483, product: 0x3748, serial: "AB:CD")),
        ("066DFF535254887767184938", .serial("066DFF535254887767184938")),
        ("  AAA ", .serial("AAA")),
        ("483:3748", .serial("483:3748")),
        ("AB:CD", .serial("AB:CD")),
        ("usb:1-4.2", .portPath(USBPortPath(bus: 1, ports: [4, 2]))),
        ("USB:3-1", .portPath(USBPortPath(bus: 3, ports: [1]))),
        ("usb:2", .portPath(USBPortPath(bus: 2, ports: []))),
    ])
    func parses(text: String, expected: ProbeSelector) throws {
        #expect(try ProbeSelector(parsing: text) == expected)
    }

    @Test(arguments: ["", "   ", "usb:", "usb:x-1", "usb:1-", "usb:1-4..2", "usb:1-300", "0483:3748:"])
    func rejects(text: String) {
        #expect(throws: ProbeSelectorError.self) { try ProbeSelector(parsing: text) }
    }

    @Test func invalidMessageNamesTheTextAndTheForms() {
        #expect(throws: ProbeSelectorError.invalid("usb:1-x", reason:
            "a port path looks like usb:1-4.2 (bus 1, port 4, then port 2)")) {
            try ProbeSelector(parsing: "usb:1-x")
        }
        let error = ProbeSelectorError.invalid("", reason: "it is empty")
        #expect(error.description.contains("VID:PID[:SERIAL]"))
    }

    @Test func descriptionRoundTrips() throws {
        for text in ["0483:3748", "0483:3748:ABC", "ABC", "usb:1-4.2", "usb:2"] {
            #expect(try ProbeSelector(parsing: text).description == text)
        }
    }

    static let stlinkA = probe(.stlink, 0x0483, 0x3748, serial: "066DFF", port: [4, 2])
    static let stlinkB = probe(.stlink, 0x0483, 0x3748, serial: "0670FF", port: [4, 3])
    static let dfuseA = probe(.dfuse, 0x0483, 0xDF11, serial: "AAA", port: [1])
    static let dfuseA2 = probe(.dfuse, 0x0483, 0xDF11, serial: "AAA", port: [2])
    static let all = [stlinkA, stlinkB, dfuseA, dfuseA2]

    static func probe(_ kind: ProbeKind, _ vendor: UInt16, _ product: UInt16, serial: String?,
                      port: [UInt8]) -> DetectedProbe {
        DetectedProbe(kind: kind, model: "test", device: USBDeviceInfo(
            vendorID: vendor, productID: product, serial: serial, portPath: USBPortPath(bus: 1, ports: port)))
    }

    @Test(arguments: [
        ("066dff", stlinkA),
        ("0483:3748:0670FF", stlinkB),
        ("usb:1-4.2", stlinkA),
        ("usb:1-2", dfuseA2),
        ("usb:1-1", dfuseA),
    ])
    func selectsTheOnlyMatch(text: String, expected: DetectedProbe) throws {
        #expect(try ProbeSelector.select(ProbeSelector(parsing: text), from: Self.all) == expected)
    }

    @Test func refusesAmbiguousSelectionAndListsCandidates() throws {
        let selector = try ProbeSelector(parsing: "AAA")
        #expect(throws: ProbeSelectorError.ambiguous(selector: "AAA", candidates: [
            "dfuse 0483:df11 serial AAA at usb:1-1", "dfuse 0483:df11 serial AAA at usb:1-2",
        ])) {
            try ProbeSelector.select(selector, from: Self.all)
        }
        #expect(throws: ProbeSelectorError.self) {
            try ProbeSelector.select(ProbeSelector(parsing: "0483:3748"), from: Self.all)
        }
    }

    @Test func severalSelectorsEachTakeOneProbeInTheirOrderAndNeverTheSameTwice() throws {
        let selectors = try ["usb:1-1", "0670ff", "0483:3748:066DFF"].map { try ProbeSelector(parsing: $0) }
        #expect(try ProbeSelector.selectEach(selectors, from: Self.all) == [Self.dfuseA, Self.stlinkB, Self.stlinkA])
        // The same probe by serial and by port path: one board cannot be provisioned twice at once.
        let twice = try ["066DFF", "usb:1-4.2"].map { try ProbeSelector(parsing: $0) }
        #expect(throws: ProbeSelectorError.duplicate("066DFF", "usb:1-4.2",
                                                     probe: "stlink 0483:3748 serial 066DFF at usb:1-4.2")) {
            try ProbeSelector.selectEach(twice, from: Self.all)
        }
        // Each selector must name one probe, as alone.
        #expect(throws: ProbeSelectorError.ambiguous(selector: "0483:3748", candidates: [
            "stlink 0483:3748 serial 066DFF at usb:1-4.2", "stlink 0483:3748 serial 0670FF at usb:1-4.3",
        ])) {
            try ProbeSelector.selectEach([.portPath(USBPortPath(bus: 1, ports: [1])), .usbID(
                vendor: 0x0483, product: 0x3748, serial: nil)], from: Self.all)
        }
    }

    @Test func withoutSelectorTakesTheOnlyProbeOrRefuses() throws {
        #expect(try ProbeSelector.select(nil, from: [Self.stlinkA]) == Self.stlinkA)
        #expect(throws: ProbeSelectorError.noProbe(kinds: [])) { try ProbeSelector.select(nil, from: []) }
        do {
            _ = try ProbeSelector.select(nil, from: Self.all)
            Issue.record("expected ambiguity")
        } catch {
            guard case .ambiguous(nil, let candidates) = error else { Issue.record("got \(error)"); return }
            #expect(candidates.count == 4)
            #expect(error.message.hasPrefix("4 probes are attached, refusing to guess"))
            #expect(error.hint?.contains("usb:BUS-PORT.PORT") == true)
        }
    }

    @Test func kindsFilterTheCandidates() throws {
        #expect(try ProbeSelector.select(nil, from: [Self.stlinkA, Self.dfuseA], kinds: [.dfuse]) == Self.dfuseA)
        #expect(throws: ProbeSelectorError.noProbe(kinds: [.cmsisDAP, .picoboot])) {
            try ProbeSelector.select(nil, from: Self.all, kinds: [.picoboot, .cmsisDAP])
        }
        #expect(ProbeSelectorError.noProbe(kinds: [.cmsisDAP]).message == "no probe found of kind cmsis-dap")
    }

    @Test func noMatchListsWhatIsAttached() throws {
        do {
            _ = try ProbeSelector.select(ProbeSelector(parsing: "ZZZ"), from: [Self.stlinkA])
            Issue.record("expected no match")
        } catch {
            #expect(error.message == "no probe matches 'ZZZ'; attached: stlink 0483:3748 serial 066DFF at usb:1-4.2")
        }
    }

    @Test func serialSelectorNeverMatchesADeviceWithoutSerial() throws {
        let anonymous = Self.probe(.usbasp, 0x16C0, 0x05DC, serial: nil, port: [5])
        #expect(!(try ProbeSelector(parsing: "-")).matches(anonymous.device))
        #expect(try ProbeSelector(parsing: "16c0:05dc").matches(anonymous.device))
        #expect(!(try ProbeSelector(parsing: "16c0:05dc:X")).matches(anonymous.device))
    }
}
