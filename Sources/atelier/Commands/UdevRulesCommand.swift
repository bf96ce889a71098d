import ArgumentParser
import USB

extension Atelier {
    struct UdevRules: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "udev-rules",
            abstract: "Print udev rules that let your user open every known probe without root.",
            discussion: "Install: \(USBError.udevInstallCommand)"
        )

        func run() {
            print(USB.UdevRules.render(), terminator: "")
        }
    }
}
