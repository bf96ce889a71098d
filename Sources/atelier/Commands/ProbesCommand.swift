import ArgumentParser
import Foundation
import USB

extension Atelier {
    struct Probes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List attached programmers and bootloaders (DFU, DfuSe, ST-Link, CMSIS-DAP, PICOBOOT, USBasp).",
            discussion: """
                Each probe is shown with its serial and port path; either one can be passed as --probe, here to \
                list only what it matches. Finding none is not an error (exit 0, [] with --json).
                """
        )

        @OptionGroup var probe: ProbeOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() throws {
            var scan = try ProbeScan.run()
            let attached = scan.probes
            // With --probe, list what the selector matches: a way to check a selector before flashing.
            let selector = try probe.parsed()
            if let selector { scan.probes = scan.probes.filter { selector.matches($0.device) } }
            if json {
                // JSONEncoder pretty-prints an empty array over three lines; scripts and people expect `[]`.
                if scan.probes.isEmpty { return print("[]") }
                return try JSONOutput.print(scan.probes.map(ProbeSummary.init))
            }
            if scan.probes.isEmpty, let selector, !attached.isEmpty {
                print("no probe matches '\(selector)'; attached:")
                attached.forEach { print("  \($0)") }
                return
            }
            guard !scan.probes.isEmpty else {
                print("no probe found")
                if let noUSB = scan.noUSB { printErr("note: \(noUSB.message)") }
                printErr("hint: check the cable and that the probe or board is powered, then run 'atelier doctor'")
                return
            }
            let rows = scan.probes.map { probe in
                let device = probe.device
                return [probe.kind.rawValue, device.vidPid, device.serial ?? "-", device.portPath.description,
                        device.product ?? probe.model]
            }
            print(Table(headers: ["KIND", "VID:PID", "SERIAL", "PORT", "PRODUCT"], rows: rows).rendered)
            if let unreadable = scan.unreadable.first, let error = unreadable.device.stringsError {
                printErr("note: \(scan.unreadable.count) probe(s) did not give their serial: \(error.message)")
                if let hint = error.hint { printErr("hint: \(hint)") }
            }
        }
    }
}

/// One probe in `atelier probes --json`. Missing strings are `null`, so every object has the same keys.
struct ProbeSummary: Encodable {
    var kind: ProbeKind
    var model: String
    var vidPid: String
    var serial: String?
    var port: String
    var product: String?
    var manufacturer: String?
    var bus: UInt8
    var address: UInt8
    /// DFU alternate settings: for DfuSe these are the memory regions, e.g. "@Internal Flash  /0x08000000/...".
    var dfuAltSettings: [AltSetting]
    /// Why the serial is missing (e.g. permission denied), so the user knows to install the udev rules.
    var error: String?

    struct AltSetting: Encodable {
        var interface: UInt8
        var alt: UInt8
        var name: String?

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(interface, forKey: .interface)
            try container.encode(alt, forKey: .alt)
            try container.encode(name, forKey: .name)
        }

        enum CodingKeys: String, CodingKey { case interface, alt, name }
    }

    init(_ probe: DetectedProbe) {
        let device = probe.device
        kind = probe.kind
        model = probe.model
        vidPid = device.vidPid
        serial = device.serial
        port = device.portPath.description
        product = device.product
        manufacturer = device.manufacturer
        bus = device.busNumber
        address = device.deviceAddress
        dfuAltSettings = device.alternateSettings.filter(\.isDFUMode).map {
            AltSetting(interface: $0.interfaceNumber, alt: $0.alternateSetting, name: $0.name)
        }
        // Only when it cost something: strings the device would not give are often found in sysfs.
        error = device.serial == nil ? device.stringsError?.message : nil
    }

    enum CodingKeys: String, CodingKey {
        case kind, model, serial, port, product, manufacturer, bus, address, error
        case vidPid = "vid_pid"
        case dfuAltSettings = "dfu_alt_settings"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(model, forKey: .model)
        try container.encode(vidPid, forKey: .vidPid)
        try container.encode(serial, forKey: .serial)
        try container.encode(port, forKey: .port)
        try container.encode(product, forKey: .product)
        try container.encode(manufacturer, forKey: .manufacturer)
        try container.encode(bus, forKey: .bus)
        try container.encode(address, forKey: .address)
        try container.encode(dfuAltSettings, forKey: .dfuAltSettings)
        try container.encode(error, forKey: .error)
    }
}

/// A line on stderr: notes and hints stay out of stdout, which scripts parse.
func printErr(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
