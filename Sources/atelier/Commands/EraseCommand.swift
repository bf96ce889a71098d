import ArgumentParser
import BoardCatalog
import Programmers

extension Atelier {
    struct Erase: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase one flash sector or the whole chip through the debug probe.",
            discussion: """
                Examples:
                  atelier erase --board bluepill --sector 3
                  atelier erase --board stm32f4-discovery --all
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var probe: ProbeOptions
        @OptionGroup var connect: ConnectOptions
        @Option(help: "The board, e.g. bluepill.") var board: String
        @Option(help: "The sector index, as 'atelier boards show' numbers them.") var sector: Int?
        @Flag(help: "Mass-erase the whole flash.") var all = false
        @Flag(help: "Erase even if the device does not look like the board's chip.") var force = false

        func validate() throws {
            guard (sector != nil) != all else { throw ValidationError("give either --sector N or --all") }
        }

        func run() throws {
            let board = try global.catalog().board(self.board)
            guard let flash = board.chip.flash else { throw ProgrammerError.noFlash(board.id) }
            let sectors = flash.sectorList
            var chosenSector: Sector?
            if let sector {
                guard sectors.indices.contains(sector) else {
                    throw CommandFailure(message: "\(board.id) has sectors 0 to \(sectors.count - 1), not \(sector)",
                                         hint: "see 'atelier boards show \(board.id)'", exitCode: .badInput)
                }
                chosenSector = sectors[sector]
            }
            let chosen = try probe.choose(kinds: ProgrammerRegistry.debugKinds)
            let programmer = try ProgrammerRegistry.open(chosen, for: board, force: force,
                                                     connectUnderReset: connect.underReset)
            if let chosenSector {
                try programmer.target.erase(sector: chosenSector)
                print("erased sector \(chosenSector.index) (\(hex(chosenSector.start))..\(hex(chosenSector.end))) "
                      + "of \(board.id) via \(chosen)")
            } else {
                try programmer.target.massErase()
                print("erased all \(flash.size / 1024) KiB of \(board.id)'s flash via \(chosen)")
            }
            try (programmer.target as? DebugFlashTarget)?.finish()
            try programmer.debug?.close()
        }
    }
}
