import Foundation

/// Which probe a command should use (`--probe SEL`, rig files): `VID:PID[:SERIAL]`, a serial alone, or a port path
/// `usb:BUS-PORT.PORT`. A pure value: parsing, matching and choosing are tested without USB.
public enum ProbeSelector: Sendable, Hashable, CustomStringConvertible {
    case usbID(vendor: UInt16, product: UInt16, serial: String?)
    case serial(String)
    case portPath(USBPortPath)

    /// Parses the three forms. Text with `usb:` in front must be a valid port path; text that starts with two
    /// 4-digit hex fields separated by `:` is VID:PID (the rest, colons included, is the serial); anything else is a
    /// serial, since serials are free-form.
    public init(parsing text: String) throws(ProbeSelectorError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .invalid(text, reason: "it is empty") }
        if trimmed.lowercased().hasPrefix("usb:") {
            guard let path = USBPortPath(trimmed) else {
                throw .invalid(text, reason: "a port path looks like usb:1-4.2 (bus 1, port 4, then port 2)")
            }
            self = .portPath(path)
            return
        }
        let fields = trimmed.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        if fields.count >= 2, let vendor = Self.hexID(fields[0]), let product = Self.hexID(fields[1]) {
            let serial = fields.count == 3 ? String(fields[2]) : nil
            if serial?.isEmpty == true { throw .invalid(text, reason: "the serial after VID:PID: is empty") }
            self = .usbID(vendor: vendor, product: product, serial: serial)
            return
        }
        self = .serial(trimmed)
    }

    /// Exactly four hex digits, with an optional 0x, as lsusb prints them.
    private static func hexID(_ text: Substring) -> UInt16? {
        let digits = text.lowercased().hasPrefix("0x") ? text.dropFirst(2) : text
        guard digits.count == 4, digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt16(digits, radix: 16)
    }

    /// Serials compare case-insensitively, because people retype ST-Link hex serials in either case.
    public func matches(_ device: USBDeviceInfo) -> Bool {
        switch self {
        case .usbID(let vendor, let product, let serial):
            device.vendorID == vendor && device.productID == product
                && (serial.map { Self.sameSerial($0, device.serial) } ?? true)
        case .serial(let serial):
            Self.sameSerial(serial, device.serial)
        case .portPath(let path):
            device.portPath == path
        }
    }

    private static func sameSerial(_ wanted: String, _ actual: String?) -> Bool {
        actual.map { $0.caseInsensitiveCompare(wanted) == .orderedSame } ?? false
    }

    public var description: String {
        switch self {
        case .usbID(let vendor, let product, let serial):
            "\(hex4(vendor)):\(hex4(product))" + (serial.map { ":\($0)" } ?? "")
        case .serial(let serial):
            serial
        case .portPath(let path):
            path.description
        }
    }

    /// Chooses one probe: the only one attached when `selector` is nil, else the only one that matches.
    /// Refuses, listing the candidates, when there are none or several, so atelier never flashes the wrong board.
    public static func select(_ selector: ProbeSelector?, from probes: [DetectedProbe],
                              kinds: Set<ProbeKind>? = nil) throws(ProbeSelectorError) -> DetectedProbe {
        let usable = kinds.map { kinds in probes.filter { kinds.contains($0.kind) } } ?? probes
        guard let selector else {
            guard let only = usable.first else { throw .noProbe(kinds: kinds.map(Self.sorted) ?? []) }
            guard usable.count == 1 else { throw .ambiguous(selector: nil, candidates: usable.map(\.description)) }
            return only
        }
        let matching = usable.filter { selector.matches($0.device) }
        guard let only = matching.first else {
            throw .noMatch(selector: selector.description, candidates: usable.map(\.description))
        }
        guard matching.count == 1 else {
            throw .ambiguous(selector: selector.description, candidates: matching.map(\.description))
        }
        return only
    }

    /// Chooses one probe per selector, in the selectors' order, each as `select` chooses it; refuses two selectors
    /// that name the same probe, since one board cannot be worked on twice at once.
    public static func selectEach(_ selectors: [ProbeSelector], from probes: [DetectedProbe],
                                  kinds: Set<ProbeKind>? = nil) throws(ProbeSelectorError) -> [DetectedProbe] {
        var chosen: [(selector: ProbeSelector, probe: DetectedProbe)] = []
        for selector in selectors {
            let probe = try select(selector, from: probes, kinds: kinds)
            if let earlier = chosen.first(where: { $0.probe == probe }) {
                throw .duplicate(earlier.selector.description, selector.description, probe: probe.description)
            }
            chosen.append((selector, probe))
        }
        return chosen.map(\.probe)
    }

    private static func sorted(_ kinds: Set<ProbeKind>) -> [ProbeKind] {
        kinds.sorted { $0.rawValue < $1.rawValue }
    }
}

/// Why no single probe could be chosen.
public enum ProbeSelectorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The selector text is malformed.
    case invalid(String, reason: String)
    /// No probe (of the wanted kinds) is attached at all.
    case noProbe(kinds: [ProbeKind])
    /// Probes are attached, but none matches the selector.
    case noMatch(selector: String, candidates: [String])
    /// Several probes match; atelier refuses to guess.
    case ambiguous(selector: String?, candidates: [String])
    /// Two selectors of one command name the same probe.
    case duplicate(String, String, probe: String)

    public var message: String {
        switch self {
        case .invalid(let text, let reason):
            "invalid probe selector '\(text)': \(reason)"
        case .noProbe(let kinds):
            kinds.isEmpty ? "no probe found"
                : "no probe found of kind " + kinds.map(\.rawValue).joined(separator: " or ")
        case .noMatch(let selector, let candidates):
            "no probe matches '\(selector)'" + (candidates.isEmpty ? " (no probes attached)"
                : "; attached: " + candidates.joined(separator: "; "))
        case .ambiguous(let selector, let candidates):
            (selector.map { "\(candidates.count) probes match '\($0)'" } ?? "\(candidates.count) probes are attached")
                + ", refusing to guess: " + candidates.joined(separator: "; ")
        case .duplicate(let first, let second, let probe):
            "--probe '\(first)' and --probe '\(second)' both name \(probe)"
        }
    }

    public var hint: String? {
        switch self {
        case .invalid:
            "use VID:PID[:SERIAL] (0483:3748:066DFF...), a serial alone, or a port path (usb:1-4.2)"
        case .noProbe:
            "check the cable and the probe's power, then run 'atelier doctor'"
        case .noMatch:
            "run 'atelier probes' to see what is attached"
        case .ambiguous:
            "pick one with --probe SERIAL or, for identical serials, --probe usb:BUS-PORT.PORT"
        case .duplicate:
            "give each board's probe once; 'atelier probes' lists them"
        }
    }

    public var description: String {
        hint.map { "\(message); \($0)" } ?? message
    }
}
