import USB

/// The bulk pipe pair an ST-Link is driven through: a 16-byte command, then either a reply read or a data write.
///
/// `USBSTLinkTransport` implements it over libusb; unit tests script it by command bytes.
public protocol STLinkTransport: AnyObject {
    /// Sends `command` (padded to 16 bytes) and reads exactly `replyLength` bytes; 0 reads nothing.
    func command(_ command: [UInt8], replyLength: Int) throws(STLinkError) -> [UInt8]
    /// Sends `command` followed by `data` on the same OUT endpoint (memory writes).
    func command(_ command: [UInt8], dataOut data: [UInt8]) throws(STLinkError)
}

/// An ST-Link on a USB handle: endpoints chosen by PID (stlink.md section 1).
public final class USBSTLinkTransport: STLinkTransport {
    let usb: USBTransport
    let model: STLinkModel
    let timeout: Duration

    public init(usb: USBTransport, model: STLinkModel, timeout: Duration = STLinkConstants.timeout) {
        self.usb = usb
        self.model = model
        self.timeout = timeout
    }

    public func command(_ command: [UInt8], replyLength: Int) throws(STLinkError) -> [UInt8] {
        do {
            try usb.bulkOut(endpoint: model.commandEndpoint, data: Self.pad(command), timeout: timeout)
            guard replyLength > 0 else { return [] }
            var reply: [UInt8] = []
            // A short packet ends a bulk read early; keep reading until the fixed reply length is in.
            while reply.count < replyLength {
                let part = try usb.bulkIn(endpoint: model.replyEndpoint, length: replyLength - reply.count,
                                          timeout: timeout)
                if part.isEmpty { break }
                reply += part
            }
            return reply
        } catch {
            throw .usb(error)
        }
    }

    public func command(_ command: [UInt8], dataOut data: [UInt8]) throws(STLinkError) {
        do {
            try usb.bulkOut(endpoint: model.commandEndpoint, data: Self.pad(command), timeout: timeout)
            if !data.isEmpty { try usb.bulkOut(endpoint: model.commandEndpoint, data: data, timeout: timeout) }
        } catch {
            throw .usb(error)
        }
    }

    static func pad(_ command: [UInt8]) -> [UInt8] {
        command.count >= STLinkConstants.commandLength
            ? command : command + [UInt8](repeating: 0, count: STLinkConstants.commandLength - command.count)
    }
}
