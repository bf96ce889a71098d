import Testing
@testable import USB

struct UdevRulesTests {
    @Test func everyUSBIDInTheTableHasARule() {
        let rules = UdevRules.render()
        for probe in KnownProbe.all {
            guard case .usbID(let vendor, let product) = probe.rule else { continue }
            let line = "SUBSYSTEM==\"usb\", ATTR{idVendor}==\"\(hex4(vendor))\", "
                + "ATTR{idProduct}==\"\(hex4(product))\", "
                + "MODE=\"0660\", GROUP=\"plugdev\", TAG+=\"uaccess\""
            #expect(rules.contains(line), "missing \(probe.model)")
        }
    }

    @Test func classAndStringRulesCoverAnyVIDPID() {
        let rules = UdevRules.render()
        #expect(rules.contains("ENV{ID_USB_INTERFACES}==\"*:fe0102:*\""))
        #expect(rules.contains("ATTR{product}==\"*CMSIS-DAP*\""))
        #expect(rules.contains("KERNEL==\"hidraw*\", ATTRS{product}==\"*CMSIS-DAP*\""))
        // DfuSe-by-version and plain DFU share the one class rule.
        #expect(rules.components(separatedBy: "fe0102").count == 2)
    }

    @Test func everyRuleLineGrantsAccessAndTheFileSaysHowToInstall() {
        let rules = UdevRules.render()
        let ruleLines = rules.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(ruleLines.count == 14)
        #expect(ruleLines.allSatisfy { $0.hasSuffix("MODE=\"0660\", GROUP=\"plugdev\", TAG+=\"uaccess\"") })
        #expect(rules.contains(USBError.udevInstallCommand))
        #expect(rules.hasSuffix("\n"))
    }

    @Test func statusComparesWithTheCurrentRules() {
        #expect(UdevRules.status(installedText: nil) == .missing)
        #expect(UdevRules.status(installedText: UdevRules.render()) == .installed)
        #expect(UdevRules.status(installedText: "SUBSYSTEM==\"usb\"\n") == .outdated)
    }
}
