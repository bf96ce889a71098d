import BoardCatalog

/// What a device factory gets: the board, the spec, the default serial, and the rig-wide clock and state.
public struct VirtualDeviceContext {
    public var board: Board
    public var spec: DeviceSpec
    /// The serial to use: the spec's, or a default that is stable across runs and distinct per device.
    public var serial: String
    /// What the device's state file is named after: the serial, plus the port when twins share it.
    public var stateName: String
    public var clock: VirtualClock
    public var store: FlashStateStore?
}
