import Foundation
import Testing

/// `atelier probes` against a bare umockdev device record: descriptors and sysfs attributes only, no ioctl handler,
/// so opening works but every control transfer fails. That is the "device will not talk" path: the port path must
/// come from the kernel name (no parent hub is recorded), and the strings from sysfs.
struct ProbesUnderUmockdevTests {
    static let umockdevRun = ["/usr/bin/umockdev-run", "/usr/local/bin/umockdev-run"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// An STM32 DfuSe bootloader: device descriptor, one configuration, two DFU alternate settings and the DFU
    /// functional descriptor with bcdDFU 0x011A.
    static let descriptors = "1201000200000040830411df000201020301"
        + "09022400010100c032" + "0904000000fe010204" + "0904000100fe010205" + "09210bff0000081a01"

    static func record(name: String, address: Int, serial: String) -> String {
        let number = String(format: "%03d", address)
        return """
            P: /devices/pci0000:00/0000:00:14.0/usb1/\(name)
            N: bus/usb/001/\(number)
            E: SUBSYSTEM=usb
            E: DEVTYPE=usb_device
            E: DEVNAME=/dev/bus/usb/001/\(number)
            A: busnum=1
            A: devnum=\(address)
            A: bConfigurationValue=1
            A: serial=\(serial)
            A: product=STM32  BOOTLOADER
            H: descriptors=\(descriptors)

            """
    }

    @Test(.enabled(if: umockdevRun != nil, "umockdev is not installed"))
    func probesFallBackToSysfsWhenTheDeviceWillNotTalk() throws {
        let umockdevRun = try #require(Self.umockdevRun)
        let atelier = try #require(CLIRunner.locate("atelier"))
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("atelier-\(UUID().uuidString).umockdev")
        try (Self.record(name: "1-4.2", address: 5, serial: "SYSFS1") + "\n"
            + Self.record(name: "1-3", address: 6, serial: "SYSFS2"))
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLIRunner.run(umockdevRun, ["-d", file.path, "--", atelier, "probes", "--json"], timeout: 60)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let probes = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(probes.compactMap { $0["port"] as? String } == ["usb:1-3", "usb:1-4.2"], "sorted by port path")
        #expect(probes.compactMap { $0["serial"] as? String } == ["SYSFS2", "SYSFS1"])
        #expect(probes.allSatisfy { $0["kind"] as? String == "dfuse" })
        #expect(probes.allSatisfy { $0["product"] as? String == "STM32  BOOTLOADER" })
        let alternates = probes.first?["dfu_alt_settings"] as? [[String: Any]]
        #expect(alternates?.compactMap { $0["alt"] as? Int } == [0, 1])
    }
}
