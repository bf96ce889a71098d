import BoardCatalog
import Flash
import Foundation

/// Turns flash events into what the user sees: a redrawn bar on a terminal, plain lines in a log, JSON lines
/// with `--json`. Progress goes to stderr so stdout stays for results.
final class FlashProgress {
    enum Style { case bar, lines, json }

    let style: Style
    private var lastPercent = -1
    private var lastDraw = Date.distantPast

    init(json: Bool) {
        style = json ? .json : (isatty(STDERR_FILENO) == 1 ? .bar : .lines)
    }

    func handle(_ event: FlashEvent) {
        // A retry is news in every style: the user should know the device stalled, and that it was verified.
        if case .retrying(let operation, let address, let reason) = event, style != .json {
            let clear = style == .bar ? "\r\u{1B}[K" : ""
            write(clear + "retrying \(operation) at \(hex(address)) once, then verifying: \(reason)\n")
            return
        }
        switch style {
        case .json: emitJSON(event)
        case .bar: drawBar(event)
        case .lines: printLine(event)
        }
    }

    private func drawBar(_ event: FlashEvent) {
        switch event {
        case .writing(_, _, let done, let total):
            let now = Date()
            guard now.timeIntervalSince(lastDraw) > 0.05 || done == total else { return }
            lastDraw = now
            let fraction = total == 0 ? 1 : Double(done) / Double(total)
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            write("\r[\(bar)] \(Int(fraction * 100))%  \(done)/\(total) bytes")
        case .erasing(let sector):
            write("\rerasing sector \(sector.index) at \(hex(sector.start))\u{1B}[K")
        case .finished:
            write("\r\u{1B}[K")
        default:
            break
        }
    }

    private func printLine(_ event: FlashEvent) {
        switch event {
        case .planned(let sectors, let bytes): write("planned: \(bytes) bytes in \(sectors) sectors\n")
        case .erasing(let sector): write("erasing sector \(sector.index) at \(hex(sector.start))\n")
        case .writing(_, _, let done, let total):
            let percent = total == 0 ? 100 : Int(done * 100 / total)
            if percent / 10 != lastPercent / 10 {
                lastPercent = percent
                write("writing: \(percent)% (\(done)/\(total) bytes)\n")
            }
        default: break
        }
    }

    private func emitJSON(_ event: FlashEvent) {
        var fields: [String: Any] = [:]
        switch event {
        case .planned(let sectors, let bytes): fields = ["event": "planned", "sectors": sectors, "image_bytes": bytes]
        case .comparing(let sector): fields = ["event": "comparing", "sector": sector.index, "address": sector.start]
        case .skipped(let sector): fields = ["event": "skipped", "sector": sector.index, "address": sector.start]
        case .erasing(let sector): fields = ["event": "erasing", "sector": sector.index, "address": sector.start]
        case .writing(let address, let count, let done, let total):
            fields = ["event": "writing", "address": address, "bytes": count, "done": done, "total": total]
        case .verifying(let sector): fields = ["event": "verifying", "sector": sector.index, "address": sector.start]
        case .retrying(let operation, let address, let reason):
            fields = ["event": "retrying", "operation": operation, "address": address, "reason": reason]
        case .finished: return  // the command prints the report itself as the final line
        }
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
