/// The udev rules that let a logged-in user open every known probe without root.
///
/// `TAG+="uaccess"` gives the user at the seat an ACL (systemd-logind); `MODE="0660"` with the `plugdev` group
/// covers headless CI machines where nobody is logged in at a seat.
public enum UdevRules {
    /// Where `atelier doctor` looks for the installed rules, and where the install command puts them.
    public static let installedPath = "/etc/udev/rules.d/60-atelier.rules"

    public static func render(_ table: [KnownProbe] = KnownProbe.all) -> String {
        var lines = [
            "# atelier: USB access for microcontroller probes and bootloaders.",
            "# Install: \(USBError.udevInstallCommand)",
            "# Then: sudo udevadm control --reload && sudo udevadm trigger, and replug the probe.",
            "",
        ]
        var seen: Set<String> = []
        for probe in table {
            let rule: String
            let comment: String
            switch probe.rule {
            case .usbID(let vendor, let product):
                comment = "\(probe.model) (\(hex4(vendor)):\(hex4(product)))"
                rule = "SUBSYSTEM==\"usb\", ATTR{idVendor}==\"\(hex4(vendor))\", ATTR{idProduct}==\"\(hex4(product))\""
            case .stringContains(let text):
                // udev matches sysfs attributes of the device itself, and `product` is one; globs are allowed.
                comment = "\(probe.model), any VID:PID, recognised by its product string"
                rule = "SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", ATTR{product}==\"*\(text)*\""
                    + modeSuffix + "\nKERNEL==\"hidraw*\", ATTRS{product}==\"*\(text)*\""
            case .dfuVersion, .dfuInterface:
                // Interface classes live on child nodes; udev's usb_id builtin (50-udev-default.rules) summarises
                // them on the device as ID_USB_INTERFACES, e.g. ":fe0102:" for a DFU-mode interface.
                comment = "any device in DFU mode (interface class fe, subclass 01, protocol 02)"
                rule = "SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", ENV{ID_USB_INTERFACES}==\"*:fe0102:*\""
            }
            guard seen.insert(rule).inserted else { continue }
            lines.append("# \(comment)")
            lines.append(rule + modeSuffix)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static let modeSuffix = ", MODE=\"0660\", GROUP=\"plugdev\", TAG+=\"uaccess\""

    /// Whether the rules at `installedPath` are present and match what `render()` prints now.
    public enum Status: String, Sendable, Codable {
        case installed
        case outdated
        case missing
    }

    public static func status(installedText: String?) -> Status {
        guard let installedText else { return .missing }
        return installedText == render() ? .installed : .outdated
    }
}
