import ArgumentParser
import VirtualRig

extension AtelierRig {
    struct Kinds: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the device kinds the rig models.")

        func run() {
            for kind in VirtualDeviceRegistry.kinds { print(kind) }
        }
    }
}
