import ArgumentParser
import BoardCatalog
import Programmers

extension Atelier {
    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reset the target through its debug probe (AIRCR.SYSRESETREQ, or NRST with --nrst).",
            discussion: "With --halt the core stops on its reset vector and stays halted for a debugger."
        )

        @OptionGroup var probe: ProbeOptions
        @OptionGroup var connect: ConnectOptions
        @Flag(help: "Stop the core on its reset vector.") var halt = false
        @Flag(help: "Pulse the NRST pin instead of a software reset (needs NRST wired).") var nrst = false

        func run() throws {
            let chosen = try probe.choose(kinds: ProgrammerRegistry.debugKinds)
            let session = try ProgrammerRegistry.openDebug(chosen, underReset: connect.underReset)
            if nrst {
                try session.resetNRST()
            } else {
                try session.debug.reset(halt: halt)
            }
            if halt {
                let pc = try session.debug.readCoreRegister(.pc)
                print("reset \(chosen); core halted at PC \(hex(UInt64(pc)))")
            } else {
                try session.close()
                print("reset \(chosen); core running")
            }
        }
    }
}
