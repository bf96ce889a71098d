import BoardCatalog
import Programmers
import USB

/// `atelier rig check`: each slot against the probes attached now.
public struct RigCheck: Sendable {
    public struct Finding: Sendable, Equatable {
        public enum Status: String, Sendable {
            case ok, missing, ambiguous, wrongChip = "wrong-chip", unknownBoard = "unknown-board", error
        }

        public var slot: String
        public var status: Status
        /// The probe found, or what went wrong and what to do.
        public var detail: String
    }

    public var findings: [Finding]

    public var allOK: Bool { findings.allSatisfy { $0.status == .ok } }

    /// Opens each matched probe and checks its chip against the slot's board (unless `connect` is false), then
    /// closes it; slots are checked one after another so the answers stay in rig order.
    public static func run(_ spec: RigSpec, catalog: BoardCatalog, probes: [DetectedProbe], connect: Bool = true)
        -> RigCheck
    {
        var findings: [Finding] = []
        for slot in spec.slots {
            findings.append(check(slot, catalog: catalog, probes: probes, connect: connect))
        }
        return RigCheck(findings: findings)
    }

    static func check(_ slot: RigSlot, catalog: BoardCatalog, probes: [DetectedProbe], connect: Bool) -> Finding {
        let board: Board
        do {
            board = try catalog.board(slot.board)
        } catch {
            return Finding(slot: slot.name, status: .unknownBoard, detail: "\(slot.location): \(error)")
        }
        let probe: DetectedProbe
        do {
            probe = try ProbeSelector.select(slot.probe, from: probes, kinds: ProgrammerRegistry.flashableKinds)
        } catch {
            switch error {
            case .ambiguous:
                return Finding(slot: slot.name, status: .ambiguous, detail: error.description)
            default:
                return Finding(slot: slot.name, status: .missing, detail: error.description)
            }
        }
        guard connect else { return Finding(slot: slot.name, status: .ok, detail: probe.description) }
        do {
            let opened = try ProgrammerRegistry.open(probe, for: board)
            try? opened.debug?.close()
            return Finding(slot: slot.name, status: .ok, detail: "\(probe) answers as \(board.chip.id)")
        } catch let error as DebugError {
            if case .wrongChip = error {
                return Finding(slot: slot.name, status: .wrongChip, detail: error.description)
            }
            return Finding(slot: slot.name, status: .error, detail: error.description)
        } catch {
            return Finding(slot: slot.name, status: .error, detail: "\(error)")
        }
    }
}
