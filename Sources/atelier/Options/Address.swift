import ArgumentParser

/// A number on the command line: an address, a base, a UF2 family id. Hex with `0x`, or decimal; `_` separates
/// digit groups as in Swift (`0x0800_0000`).
struct Address: ExpressibleByArgument, Hashable, Sendable {
    var value: UInt64

    init(_ value: UInt64) {
        self.value = value
    }

    init?(argument: String) {
        let text = argument.replacingOccurrences(of: "_", with: "").lowercased()
        let parsed = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text, radix: 10)
        guard let parsed else { return nil }
        value = parsed
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
