import BoardCatalog
import Foundation

/// Turns what the rig's chips do into the text `atelier-rig exec` shows: console bytes as the firmware wrote them,
/// and one line per LED change (`led user PC13 on`), other pin change (`pin PA5 high`), exit or stop. Lines that
/// are not console text always start on a line of their own. The library only builds the text; the caller
/// writes it where it likes. Safe to call from the chips' threads at once.
///
/// ```swift
/// let log = ChipEventLog()
/// log.text(for: .led(name: "user", on: true), board: bluepill)   // "led user PC13 on\n"
/// ```
public final class ChipEventLog {
    private let lock = NSLock()
    private var atLineStart = true

    public init() {}

    public func text(for event: ChipEvent, board: Board?) -> String? {
        lock.withLock {
            guard let body = Self.describe(event, board: board) else { return nil }
            if case .console(let text) = event {
                if let last = text.last { atLineStart = last == "\n" }
                return text
            }
            let prefix = atLineStart ? "" : "\n"
            atLineStart = true
            return prefix + body + "\n"
        }
    }

    /// The words for one event; nil for a pin change that an LED line reports.
    static func describe(_ event: ChipEvent, board: Board?) -> String? {
        switch event {
        case .console(let text):
            return text
        case .pin(let name, let high):
            if board?.leds.contains(where: { $0.pin.uppercased() == name.uppercased() }) == true { return nil }
            return "pin \(name) \(high ? "high" : "low")"
        case .led(let name, let on):
            let pin = board?.leds.first { $0.name == name }?.pin.uppercased()
            return "led \(name)\(pin.map { " " + $0 } ?? "") \(on ? "on" : "off")"
        case .exit(let reason):
            let normal = reason == 0x20026 ? " (application exit)" : ""
            return "semihosting exit 0x\(String(reason, radix: 16))\(normal)"
        case .stopped(let why):
            return "core stopped: \(why)"
        }
    }
}
