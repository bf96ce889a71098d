import CLibUSB
import Foundation

/// An open device: claim interfaces, pick alternate settings, and transfer with timeouts.
///
/// A final class, because it owns a resource: `deinit` releases every claimed interface and closes the device, so
/// no error path can leak an open handle. `@unchecked Sendable` is sound because every use of the libusb handle
/// happens under `lock`: transfers on one handle are serialised (the synchronous libusb API allows one blocking
/// transfer per call anyway), and `close()` cannot race a transfer in another task.
public final class USBDeviceHandle: USBTransport, @unchecked Sendable {
    /// The device as it was enumerated; its strings are those read at enumeration.
    public let device: USBDeviceInfo
    /// Keeps libusb alive for as long as the handle is open.
    private let context: USBContext
    private let lock = NSLock()
    private var handle: OpaquePointer?
    private var claimed: Set<UInt8> = []
    /// Language for string descriptors, read once from string descriptor 0.
    private var languageID: UInt16?

    init(handle: OpaquePointer, device: USBDeviceInfo, context: USBContext) {
        self.handle = handle
        self.device = device
        self.context = context
        // Lets a claim succeed on interfaces the kernel bound (usbhid, cdc_acm); not supported everywhere: ignore.
        _ = libusb_set_auto_detach_kernel_driver(handle, 1)
    }

    deinit {
        close()
    }

    /// Releases the claimed interfaces and closes the device. Safe to call twice; later calls throw `.closed`.
    public func close() {
        lock.withLock {
            guard let handle else { return }
            for interface in claimed { _ = libusb_release_interface(handle, Int32(interface)) }
            claimed.removeAll()
            libusb_close(handle)
            self.handle = nil
        }
    }

    public func claimInterface(_ number: UInt8) throws(USBError) {
        try perform("claim interface \(number) of \(device)") { handle in
            let code = libusb_claim_interface(handle, Int32(number))
            if code == 0 { claimed.insert(number) }
            return code
        }
    }

    public func releaseInterface(_ number: UInt8) throws(USBError) {
        try perform("release interface \(number) of \(device)") { handle in
            claimed.remove(number)
            return libusb_release_interface(handle, Int32(number))
        }
    }

    /// Claims `interface`, runs `body`, and releases the interface however `body` ends.
    public func withClaimedInterface<T>(_ interface: UInt8, _ body: (USBDeviceHandle) throws -> T) throws -> T {
        try claimInterface(interface)
        defer { try? releaseInterface(interface) }
        return try body(self)
    }

    public func setAlternateSetting(_ alternate: UInt8, interface: UInt8) throws(USBError) {
        try perform("select alternate setting \(alternate) of interface \(interface) on \(device)") { handle in
            libusb_set_interface_alt_setting(handle, Int32(interface), Int32(alternate))
        }
    }

    /// Clears a halt (stall) on an endpoint, as after a PIPE error on a bulk endpoint.
    public func clearHalt(endpoint: UInt8) throws(USBError) {
        try perform("clear halt on endpoint \(hex2(endpoint)) of \(device)") { handle in
            libusb_clear_halt(handle, endpoint)
        }
    }

    /// A USB port reset. The device may re-enumerate, after which this handle throws `.noDevice`.
    public func resetDevice() throws(USBError) {
        try perform("reset \(device)") { handle in libusb_reset_device(handle) }
    }

    /// A string descriptor decoded from UTF-16, or nil for index 0 (no string).
    public func readString(index: UInt8, timeout: Duration = .seconds(1)) throws(USBError) -> String? {
        guard index != 0 else { return nil }
        let language: UInt16
        if let cached = lock.withLock({ languageID }) {
            language = cached
        } else {
            let table = try controlIn(Self.getDescriptor(string: 0, language: 0), length: 255, timeout: timeout)
            // An empty table means "no strings"; 0x0409 (US English) is what every device we know answers to.
            language = table.count >= 4 ? UInt16(table[2]) | UInt16(table[3]) << 8 : 0x0409
            lock.withLock { languageID = language }
        }
        let bytes = try controlIn(Self.getDescriptor(string: index, language: language), length: 255, timeout: timeout)
        guard bytes.count >= 2, bytes[1] == 0x03 else { return nil }
        let end = min(bytes.count, Int(bytes[0]))
        var units: [UInt16] = []
        var offset = 2
        while offset + 1 < end {
            units.append(UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
            offset += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    static func getDescriptor(string index: UInt8, language: UInt16) -> USBControlRequest {
        USBControlRequest(kind: .standard, recipient: .device, request: 0x06, value: 0x0300 | UInt16(index),
                          index: language, name: "GET_DESCRIPTOR(string \(index))")
    }

    // MARK: USBTransport

    public func controlIn(_ request: USBControlRequest, length: Int, timeout: Duration) throws(USBError) -> [UInt8] {
        let operation = "\(request.description) on \(device)"
        guard length <= Int(UInt16.max) else { throw .invalidParameter(operation: operation) }
        var buffer = [UInt8](repeating: 0, count: length)
        let milliseconds = timeout.libusbMilliseconds
        let received = try perform(operation, timeout: milliseconds) { handle in
            libusb_control_transfer(handle, request.requestType(in: true), request.request, request.value,
                                    request.index, &buffer, UInt16(length), milliseconds)
        }
        return Array(buffer.prefix(Int(received)))
    }

    public func controlOut(_ request: USBControlRequest, data: [UInt8], timeout: Duration) throws(USBError) {
        let operation = "\(request.description) on \(device)"
        guard data.count <= Int(UInt16.max) else { throw .invalidParameter(operation: operation) }
        var buffer = data
        let milliseconds = timeout.libusbMilliseconds
        let sent = try perform(operation, timeout: milliseconds) { handle in
            libusb_control_transfer(handle, request.requestType(in: false), request.request, request.value,
                                    request.index, &buffer, UInt16(data.count), milliseconds)
        }
        if Int(sent) != data.count {
            throw .shortTransfer(operation: operation, expected: data.count, actual: Int(sent))
        }
    }

    public func bulkIn(endpoint: UInt8, length: Int, timeout: Duration) throws(USBError) -> [UInt8] {
        let operation = "bulk IN on endpoint \(hex2(endpoint | 0x80)) (\(length) bytes) of \(device)"
        var buffer = [UInt8](repeating: 0, count: length)
        var transferred: Int32 = 0
        let milliseconds = timeout.libusbMilliseconds
        try perform(operation, timeout: milliseconds) { handle in
            libusb_bulk_transfer(handle, endpoint | 0x80, &buffer, Int32(clamping: length), &transferred, milliseconds)
        }
        return Array(buffer.prefix(Int(transferred)))
    }

    public func bulkOut(endpoint: UInt8, data: [UInt8], timeout: Duration) throws(USBError) {
        let operation = "bulk OUT on endpoint \(hex2(endpoint & 0x7F)) (\(data.count) bytes) of \(device)"
        var buffer = data
        var transferred: Int32 = 0
        let milliseconds = timeout.libusbMilliseconds
        try perform(operation, timeout: milliseconds) { handle in
            libusb_bulk_transfer(handle, endpoint & 0x7F, &buffer, Int32(clamping: data.count), &transferred,
                                 milliseconds)
        }
        if Int(transferred) != data.count {
            throw .shortTransfer(operation: operation, expected: data.count, actual: Int(transferred))
        }
    }

    /// Runs one libusb call under the lock and turns a negative result into a `USBError` naming `operation`.
    @discardableResult
    private func perform(_ operation: String, timeout: UInt32 = 0,
                         _ call: (OpaquePointer) -> Int32) throws(USBError) -> Int32 {
        let result: Int32? = lock.withLock {
            guard let handle else { return nil }
            return call(handle)
        }
        guard let result else { throw .closed(operation: operation) }
        guard result >= 0 else {
            throw USBError(libusbCode: result, operation: operation, timeoutMilliseconds: timeout)
        }
        return result
    }
}
