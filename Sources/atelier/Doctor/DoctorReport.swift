import Foundation
import USB

/// What `atelier doctor` found: one line per check, each with what to do when it is not OK.
///
/// Essential checks decide the exit code (0 when all pass, 3 otherwise): the ARM cross-compiler (most boards need
/// it) and USB access (libusb starts and /dev/bus/usb is readable), because without them atelier can neither build
/// nor flash. The rest (other toolchains, peers, udev rules, attached probes) are reported but never fail doctor.
struct DoctorReport: Encodable {
    enum Status: String, Encodable {
        case ok
        case warning
        case missing
        case failed
    }

    struct Check: Encodable {
        var section: String
        var name: String
        var status: Status
        var detail: String
        var fix: String?
        var essential: Bool

        var passed: Bool { status == .ok || status == .warning }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(section, forKey: .section)
            try container.encode(name, forKey: .name)
            try container.encode(status, forKey: .status)
            try container.encode(detail, forKey: .detail)
            try container.encode(fix, forKey: .fix)
            try container.encode(essential, forKey: .essential)
        }

        enum CodingKeys: String, CodingKey { case section, name, status, detail, fix, essential }
    }

    var checks: [Check]

    /// True when every essential check passed.
    var ok: Bool { checks.allSatisfy { !$0.essential || $0.passed } }

    enum CodingKeys: String, CodingKey { case ok, checks }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(checks, forKey: .checks)
    }
}

/// A program atelier runs, and the Debian package that provides it.
struct ToolRequirement {
    var program: String
    var package: String
    var purpose: String
    var essential: Bool

    static let all: [ToolRequirement] = [
        ToolRequirement(program: "arm-none-eabi-gcc", package: "gcc-arm-none-eabi",
                        purpose: "builds for Cortex-M boards", essential: true),
        ToolRequirement(program: "avr-gcc", package: "gcc-avr", purpose: "builds for AVR boards", essential: false),
        ToolRequirement(program: "riscv64-unknown-elf-gcc", package: "gcc-riscv64-unknown-elf",
                        purpose: "builds for RISC-V boards", essential: false),
        ToolRequirement(program: "qemu-system-arm", package: "qemu-system-arm",
                        purpose: "atelier run --qemu", essential: false),
        ToolRequirement(program: "dfu-util", package: "dfu-util", purpose: "peer for DFU", essential: false),
        ToolRequirement(program: "st-flash", package: "stlink-tools", purpose: "peer for ST-Link", essential: false),
        ToolRequirement(program: "openocd", package: "openocd", purpose: "peer for ST-Link and CMSIS-DAP",
                        essential: false),
        ToolRequirement(program: "avrdude", package: "avrdude", purpose: "peer for USBasp", essential: false),
    ]
}

extension DoctorReport {
    /// Gathers every check on this machine. `path` is $PATH, passed in so the lookup is explicit.
    static func gather(path: String, isRoot: Bool) -> DoctorReport {
        var checks = ToolRequirement.all.map { tool in
            toolCheck(tool, found: findProgram(tool.program, path: path))
        }
        checks += usbChecks(USBAccess.check(), isRoot: isRoot)
        checks.append(probeCheck())
        return DoctorReport(checks: checks)
    }

    static func toolCheck(_ tool: ToolRequirement, found: String?) -> Check {
        guard let found else {
            return Check(section: "toolchains", name: tool.program, status: .missing,
                         detail: "not found on PATH (\(tool.purpose))",
                         fix: "sudo apt-get install \(tool.package)", essential: tool.essential)
        }
        return Check(section: "toolchains", name: tool.program, status: .ok, detail: found, fix: nil,
                     essential: tool.essential)
    }

    static func usbChecks(_ access: USBAccess, isRoot: Bool) -> [Check] {
        var checks: [Check] = []
        if let error = access.libusbError {
            checks.append(Check(section: "usb", name: "libusb", status: .failed, detail: error,
                                fix: "run where the USB bus is visible; in a container pass --device /dev/bus/usb",
                                essential: true))
        } else {
            checks.append(Check(section: "usb", name: "libusb", status: .ok, detail: "initialised", fix: nil,
                                essential: true))
        }
        checks.append(deviceTreeCheck(access))
        let rulesFix = "\(USBError.udevInstallCommand) && sudo udevadm control --reload && sudo udevadm trigger"
        switch access.udevRules {
        case .installed:
            checks.append(Check(section: "usb", name: "udev rules", status: .ok, detail: access.udevRulesPath,
                                fix: nil, essential: false))
        case .outdated:
            checks.append(Check(section: "usb", name: "udev rules", status: .warning,
                                detail: "\(access.udevRulesPath) differs from 'atelier udev-rules'", fix: rulesFix,
                                essential: false))
        case .missing:
            checks.append(Check(section: "usb", name: "udev rules", status: isRoot ? .ok : .warning,
                                detail: "\(access.udevRulesPath) not installed"
                                    + (isRoot ? " (not needed: running as root)" : ""),
                                fix: isRoot ? nil : rulesFix, essential: false))
        }
        return checks
    }

    /// Linux exposes USB devices as /dev/bus/usb nodes, and libusb needs them; other platforms have no such folder.
    static func deviceTreeCheck(_ access: USBAccess) -> Check {
        let tree = USBContext.deviceTreePath
        #if os(Linux)
        guard access.deviceTreeReadable else {
            return Check(section: "usb", name: tree, status: .failed, detail: "missing or not readable",
                         fix: "this machine or container has no USB device tree", essential: true)
        }
        let nodes = "\(access.writableDeviceNodes) of \(access.deviceNodes) device nodes writable by this user"
        return Check(section: "usb", name: tree, status: .ok, detail: nodes, fix: nil, essential: true)
        #else
        return Check(section: "usb", name: tree, status: .ok, detail: "not used on this platform", fix: nil,
                     essential: false)
        #endif
    }

    static func probeCheck() -> Check {
        do {
            let scan = try ProbeScan.run()
            let names = scan.probes.map(\.description)
            return Check(section: "probes", name: "attached", status: names.isEmpty ? .warning : .ok,
                         detail: names.isEmpty ? "no probe found" : names.joined(separator: "; "),
                         fix: names.isEmpty ? "plug in a probe and check the cable" : nil, essential: false)
        } catch {
            return Check(section: "probes", name: "attached", status: .warning, detail: error.message,
                         fix: error.hint, essential: false)
        }
    }

    /// The first executable named `program` in the `:`-separated `path`.
    static func findProgram(_ program: String, path: String) -> String? {
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
