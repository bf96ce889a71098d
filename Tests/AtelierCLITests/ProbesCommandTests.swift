import Foundation
import Testing

/// `atelier probes`, `udev-rules` and `doctor` as a user runs them. This machine has no USB hardware, so "no probe"
/// is the expected answer; the virtual rig tests (PeerTests) cover attached devices.
struct ProbesCommandTests {
    static let hasUSBDevices = FileManager.default.fileExists(atPath: "/dev/bus/usb")

    @Test(.enabled(if: !hasUSBDevices, "this machine has a USB bus; a probe may be attached"))
    func probesJSONIsAnEmptyArray() throws {
        let result = try CLIRunner.atelier("probes", "--json")
        #expect(result.exitCode == 0)
        #expect(result.stdout == "[]\n")
    }

    @Test(.enabled(if: !hasUSBDevices, "this machine has a USB bus; a probe may be attached"))
    func probesTextSaysNoProbeFoundWithAHint() throws {
        let result = try CLIRunner.atelier("probes")
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("no probe found"))
        #expect(result.stderr.contains("atelier doctor"))
        #expect(result.stderr.contains("check the cable"))
    }

    @Test func probesJSONIsAlwaysAnArray() throws {
        let result = try CLIRunner.atelier("probes", "--json")
        #expect(result.exitCode == 0)
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        #expect(parsed is [Any])
    }

    @Test func udevRulesListEveryKnownProbe() throws {
        let result = try CLIRunner.atelier("udev-rules")
        #expect(result.exitCode == 0)
        for id in ["0483:df11", "0483:3748", "0483:374b", "0483:3752", "0483:374e", "0483:374f", "0483:3753",
                   "0483:3754", "0d28:0204", "2e8a:0003", "16c0:05dc"] {
            let (vendor, product) = (id.prefix(4), id.suffix(4))
            #expect(result.stdout.contains("ATTR{idVendor}==\"\(vendor)\", ATTR{idProduct}==\"\(product)\""),
                    "missing \(id)")
        }
        #expect(result.stdout.contains("TAG+=\"uaccess\""))
        #expect(result.stdout.contains("MODE=\"0660\""))
        #expect(result.stderr.isEmpty)
    }

    @Test func doctorJSONReportsEveryCheckAndExitsByEssentials() throws {
        let result = try CLIRunner.atelier("doctor", "--json")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let ok = try #require(report["ok"] as? Bool)
        #expect(result.exitCode == (ok ? 0 : 3))
        let checks = try #require(report["checks"] as? [[String: Any]])
        let names = Set(checks.compactMap { $0["name"] as? String })
        for tool in ["arm-none-eabi-gcc", "avr-gcc", "riscv64-unknown-elf-gcc", "qemu-system-arm", "dfu-util",
                     "st-flash", "openocd", "avrdude", "libusb", "/dev/bus/usb", "udev rules", "attached"] {
            #expect(names.contains(tool), "doctor does not check \(tool)")
        }
        if !Self.hasUSBDevices {
            #expect(!ok, "without /dev/bus/usb atelier cannot flash, so doctor must fail")
            #expect(result.exitCode == 3)
        }
    }

    @Test func doctorNamesTheDebianPackageOfAMissingToolchain() throws {
        // An empty PATH hides every toolchain, so each must be reported with its package, and doctor exits 3.
        let result = try CLIRunner.atelier("doctor", environment: ["PATH": "/nonexistent"])
        #expect(result.exitCode == 3)
        for package in ["gcc-arm-none-eabi", "gcc-avr", "gcc-riscv64-unknown-elf", "qemu-system-arm", "dfu-util",
                        "stlink-tools", "openocd", "avrdude"] {
            #expect(result.stdout.contains("sudo apt-get install \(package)"), "no package hint for \(package)")
        }
        #expect(result.stdout.contains("MISSING  arm-none-eabi-gcc"))
    }

    @Test(arguments: ["usb:1-x", "", "0483:3748:"])
    func aMalformedSelectorIsBadInput(selector: String) throws {
        let result = try CLIRunner.atelier("probes", "--probe", selector)
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("invalid probe selector"))
    }

    @Test func aSelectorThatMatchesNothingListsNothing() throws {
        let result = try CLIRunner.atelier("probes", "--json", "--probe", "usb:9-9.9")
        #expect(result.exitCode == 0)
        #expect(result.stdout == "[]\n")
    }

    @Test func helpListsTheNewCommands() throws {
        let result = try CLIRunner.atelier("--help")
        #expect(result.exitCode == 0)
        for command in ["probes", "udev-rules", "doctor"] {
            #expect(result.stdout.contains(command))
        }
    }
}
