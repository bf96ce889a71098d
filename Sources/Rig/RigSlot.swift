import BoardCatalog
import USB

/// One place on the rig: a board on its own probe.
public struct RigSlot: Sendable, Equatable {
    public var name: String
    /// A board id from the catalog.
    public var board: String
    public var probe: ProbeSelector
    public var tags: [String]
    /// Where the slot is written, for messages.
    public var location: SourceLocation

    public init(name: String, board: String, probe: ProbeSelector, tags: [String] = [], location: SourceLocation) {
        self.name = name
        self.board = board
        self.probe = probe
        self.tags = tags
        self.location = location
    }
}
