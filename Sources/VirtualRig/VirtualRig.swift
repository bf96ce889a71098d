import BoardCatalog
import CUMockdevShim
import Foundation

/// A set of emulated USB devices on a umockdev testbed, and a command run against them.
///
/// ```swift
/// let rig = try VirtualRig(specs: [DeviceSpec(kind: "dfuse", board: "stm32f4-discovery")], catalog: catalog,
///                          options: .init(timeScale: 0))
/// let status = try rig.run(["dfu-util", "-l"])   // dfu-util sees the STM32 bootloader
/// ```
public final class VirtualRig {
    public struct Options: Sendable {
        /// Multiplies datasheet and bus times; 0 disables all waiting.
        public var timeScale: Double
        /// Where each device's flash is kept between runs; nil keeps nothing.
        public var stateDirectory: String?

        public init(timeScale: Double = 1, stateDirectory: String? = nil) {
            self.timeScale = timeScale
            self.stateDirectory = stateDirectory
        }
    }

    /// One device as placed on the bus.
    public struct Attached {
        public let spec: DeviceSpec
        public let serial: String
        public let record: SysfsRecord
        public let server: USBDeviceServer
    }

    public let devices: [Attached]
    /// Hubs that devices on deeper port paths sit behind.
    public let hubs: [(record: SysfsRecord, server: USBDeviceServer)]
    public let clock: VirtualClock

    /// Builds every device model first, so a bad board or kind fails before anything is created.
    public convenience init(specs: [DeviceSpec], catalog: BoardCatalog, options: Options) throws {
        let clock = VirtualClock(timeScale: options.timeScale)
        let store = options.stateDirectory.map(FlashStateStore.init(directory:))
        var entries: [(spec: DeviceSpec, serial: String, model: USBDeviceModel)] = []
        let serials = Self.serials(for: specs)
        var twins: [String: Int] = [:]
        for (spec, serial) in zip(specs, serials) {
            twins["\(spec.kind):\(spec.board):\(serial)", default: 0] += 1
        }
        var twinOrdinals: [String: Int] = [:]
        for (spec, serial) in zip(specs, serials) {
            guard let factory = VirtualDeviceRegistry.factories[spec.kind] else {
                throw VirtualRigError.unknownKind(spec.kind, known: VirtualDeviceRegistry.kinds)
            }
            let board: Board
            do {
                board = try catalog.board(spec.board)
            } catch {
                throw VirtualRigError.catalog(error.description)
            }
            // Devices that share kind, board and serial (allowed on different ports) keep separate state files.
            let key = "\(spec.kind):\(spec.board):\(serial)"
            var stateName = serial
            if twins[key, default: 0] > 1 {
                let twin = twinOrdinals[key, default: 0]
                twinOrdinals[key] = twin + 1
                stateName += "-" + (spec.port.map { "port" + $0 } ?? "twin\(twin)")
            }
            // A ROM bootloader that builds its USB serial from the chip's unique ID does so here too, unless the
            // spec names a serial; the state file keeps the name it always had.
            let usbSerial = spec.serial == nil
                ? VirtualDeviceRegistry.chipDerivedSerial(kind: spec.kind, chip: board.chip, place: stateName) ?? serial
                : serial
            let context = VirtualDeviceContext(board: board, spec: spec, serial: usbSerial, stateName: stateName,
                                               clock: clock, store: store)
            entries.append((spec, usbSerial, try factory(context)))
        }
        try self.init(entries: entries, clock: clock)
    }

    /// Each spec's serial, or a default that is stable across runs and distinct per kind, board and position.
    private static func serials(for specs: [DeviceSpec]) -> [String] {
        var ordinals: [String: Int] = [:]
        return specs.map { spec in
            let key = "\(spec.kind):\(spec.board)"
            let ordinal = ordinals[key, default: 0]
            ordinals[key] = ordinal + 1
            return spec.serial
                ?? VirtualDeviceRegistry.defaultSerial(kind: spec.kind, board: spec.board, ordinal: ordinal)
        }
    }

    /// Models built by the caller (tests, in-process fakes), each at its port path or the next free port, with
    /// the USB-layer `faults` (unplug, stall, timeout) injected into each.
    public convenience init(models: [(model: USBDeviceModel, port: String?)], timeScale: Double = 0,
                            faults: [FaultSpec] = []) throws {
        let entries = models.map { entry in
            (spec: DeviceSpec(kind: "custom", board: "custom", port: entry.port, faults: faults), serial: "",
             model: entry.model)
        }
        try self.init(entries: entries, clock: VirtualClock(timeScale: timeScale))
    }

    private init(entries: [(spec: DeviceSpec, serial: String, model: USBDeviceModel)], clock: VirtualClock) throws {
        self.clock = clock
        var layout = try BusLayout(specs: entries.map(\.spec))
        devices = entries.map { entry in
            let server = USBDeviceServer(model: entry.model, clock: clock, faults: entry.spec.faults)
            let location = layout.place(entry.spec)
            let record = Self.record(for: server, at: location, number: layout.number(on: location.bus))
            return Attached(spec: entry.spec, serial: entry.serial, record: record, server: server)
        }
        hubs = layout.hubLocations.map { location in
            let server = USBDeviceServer(model: USBHubModel(), clock: VirtualClock(timeScale: 0))
            return (Self.record(for: server, at: location, number: layout.number(on: location.bus)), server)
        }
    }

    private static func record(for server: USBDeviceServer, at location: BusLayout.Location, number: Int)
        -> SysfsRecord
    {
        let strings = server.model.strings
        // A model with a short device descriptor still gets a record; the host will reject it, as it would.
        let descriptor = server.model.deviceDescriptor + [UInt8](repeating: 0, count: 18)
        let word = { (index: Int) in UInt16(descriptor[index]) | UInt16(descriptor[index + 1]) << 8 }
        return SysfsRecord(
            bus: location.bus, device: number, ports: location.ports, vendorID: word(8), productID: word(10),
            bcdDevice: word(12), manufacturer: strings[descriptor[14]], product: strings[descriptor[15]],
            serial: strings[descriptor[16]], descriptors: server.sysfsDescriptors)
    }

    /// Creates the testbed, runs `command` under umockdev's preload until it exits, persists every device's
    /// state, and returns the command's exit status.
    /// With `forwardSignals`, Ctrl-C or a SIGTERM to this process reaches the command (the CLI wants that; a
    /// test runner hosting a rig does not). Chips behind probe models run from before the command starts until
    /// `runFor` seconds after it ends, and report what they do to `onChipEvent` (from their own threads).
    public func run(
        _ command: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        forwardSignals: Bool = false, runFor: Double = 0, onChipEvent: ((Attached, ChipEvent) -> Void)? = nil
    ) throws -> Int32 {
        guard !command.isEmpty else { throw VirtualRigError.commandNotStarted("no command given after '--'") }
        var message: UnsafeMutablePointer<CChar>?
        guard let testbed = rig_testbed_new(&message) else {
            throw VirtualRigError.testbed(Self.take(message))
        }
        defer { rig_testbed_free(testbed) }
        // Hubs first: the kernel announces a hub before the devices behind it.
        for (record, server) in hubs + devices.map({ ($0.record, $0.server) }) {
            var callbacks = server.callbacks
            guard rig_testbed_add_device(testbed, record.devnode, record.text, &callbacks, &message) == 0
            else { throw VirtualRigError.testbed(Self.take(message)) }
        }
        var childEnvironment = environment
        childEnvironment["UMOCKDEV_DIR"] = String(cString: rig_testbed_root(testbed))
        let preload = "libumockdev-preload.so.0"
        if let existing = environment["LD_PRELOAD"], !existing.isEmpty {
            childEnvironment["LD_PRELOAD"] = preload + ":" + existing
        } else {
            childEnvironment["LD_PRELOAD"] = preload
        }
        powerChips(onEvent: onChipEvent)
        let status = withCStrings(command) { argv in
            withCStrings(childEnvironment.map { "\($0.key)=\($0.value)" }) { envp in
                rig_testbed_run(testbed, argv, envp, forwardSignals ? 1 : 0, &message)
            }
        }
        if status >= 0 { keepChipsRunning(for: runFor, interruptible: forwardSignals) }
        var failures: [Error] = []
        for device in devices {
            do { try device.server.model.shutdown() } catch { failures.append(error) }
        }
        if status < 0 { throw VirtualRigError.commandNotStarted(Self.take(message)) }
        if let failure = failures.first { throw failure }
        return status
    }

    private static func take(_ message: UnsafeMutablePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        defer { rig_free_string(message) }
        return String(cString: message)
    }
}

/// Calls `body` with a NULL-terminated C array of the strings, valid only during the call.
func withCStrings<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result)
    -> Result
{
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { buffer in
        // An empty array never reaches here: the terminator is always present.
        guard let base = buffer.baseAddress else { preconditionFailure("a buffer of at least one element") }
        return body(base)
    }
}
