/// Everything that can go wrong between atelier and a USB device, each with the action that fixes it.
///
/// `operation` is always a human description of what was being done ("control request DFU_GETSTATUS",
/// "bulk IN on endpoint 0x81 (64 bytes)", "open 0483:df11 at usb:1-4.2"), so a message names the request
/// that failed without the caller having to wrap it.
public enum USBError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libusb could not start; `code` is the libusb error code.
    case initFailed(code: Int32, reason: String)
    /// This machine has no USB device tree at all (no /dev/bus/usb), typical of containers and CI runners.
    case noUSBBus(path: String)
    /// LIBUSB_ERROR_ACCESS: the device node is not writable by this user.
    case access(operation: String)
    /// LIBUSB_ERROR_NO_DEVICE: the device went away (unplugged, reset or re-enumerated).
    case noDevice(operation: String)
    /// LIBUSB_ERROR_NOT_FOUND: the interface, endpoint or device asked for does not exist.
    case notFound(operation: String)
    /// LIBUSB_ERROR_BUSY: another program (or a kernel driver) holds the interface.
    case busy(operation: String)
    /// LIBUSB_ERROR_TIMEOUT: the device did not answer in time.
    case timeout(operation: String, milliseconds: UInt32)
    /// LIBUSB_ERROR_PIPE: the device stalled the endpoint, i.e. refused the request.
    case pipe(operation: String)
    /// LIBUSB_ERROR_OVERFLOW: the device sent more bytes than were asked for.
    case overflow(operation: String)
    /// LIBUSB_ERROR_INTERRUPTED: a signal interrupted the system call.
    case interrupted(operation: String)
    /// LIBUSB_ERROR_NO_MEM.
    case noMemory(operation: String)
    /// LIBUSB_ERROR_NOT_SUPPORTED: this platform or device cannot do that operation.
    case notSupported(operation: String)
    /// LIBUSB_ERROR_INVALID_PARAM: a bug in atelier or in a driver, never the user's fault.
    case invalidParameter(operation: String)
    /// LIBUSB_ERROR_IO: the transfer failed on the bus.
    case io(operation: String)
    /// LIBUSB_ERROR_OTHER or a code this libusb version does not define.
    case other(operation: String, code: Int32)
    /// The transfer completed but moved fewer bytes than a write must.
    case shortTransfer(operation: String, expected: Int, actual: Int)
    /// The handle was closed before the operation.
    case closed(operation: String)

    /// Maps a negative libusb return code to a case; `timeout` is only used for LIBUSB_ERROR_TIMEOUT.
    public init(libusbCode code: Int32, operation: String, timeoutMilliseconds timeout: UInt32 = 0) {
        // The raw values come from libusb.h (enum libusb_error); spelled out so this file needs no C import.
        switch code {
        case -1: self = .io(operation: operation)
        case -2: self = .invalidParameter(operation: operation)
        case -3: self = .access(operation: operation)
        case -4: self = .noDevice(operation: operation)
        case -5: self = .notFound(operation: operation)
        case -6: self = .busy(operation: operation)
        case -7: self = .timeout(operation: operation, milliseconds: timeout)
        case -8: self = .overflow(operation: operation)
        case -9: self = .pipe(operation: operation)
        case -10: self = .interrupted(operation: operation)
        case -11: self = .noMemory(operation: operation)
        case -12: self = .notSupported(operation: operation)
        default: self = .other(operation: operation, code: code)
        }
    }

    /// The command that installs atelier's udev rules; named by every permission error.
    public static let udevInstallCommand = "atelier udev-rules | sudo tee /etc/udev/rules.d/60-atelier.rules"

    /// What failed, with the value that caused it.
    public var message: String {
        switch self {
        case .initFailed(let code, let reason):
            "cannot initialise libusb (error \(code): \(reason))"
        case .noUSBBus(let path):
            "this machine has no USB device tree (\(path) does not exist)"
        case .access(let operation):
            "permission denied: \(operation)"
        case .noDevice(let operation):
            "the device was unplugged or reset during \(operation)"
        case .notFound(let operation):
            "not found: \(operation)"
        case .busy(let operation):
            "the device is busy: \(operation)"
        case .timeout(let operation, let milliseconds):
            "\(operation) timed out after \(milliseconds) ms"
        case .pipe(let operation):
            "the device stalled \(operation) (it refused the request)"
        case .overflow(let operation):
            "the device sent more data than expected during \(operation)"
        case .interrupted(let operation):
            "\(operation) was interrupted by a signal"
        case .noMemory(let operation):
            "out of memory during \(operation)"
        case .notSupported(let operation):
            "not supported on this system or device: \(operation)"
        case .invalidParameter(let operation):
            "libusb rejected the parameters of \(operation) (a bug in atelier)"
        case .io(let operation):
            "USB I/O error during \(operation)"
        case .other(let operation, let code):
            "USB error \(code) during \(operation)"
        case .shortTransfer(let operation, let expected, let actual):
            "\(operation) moved \(actual) of \(expected) bytes"
        case .closed(let operation):
            "\(operation) on a device handle that is already closed (a bug in atelier)"
        }
    }

    /// How to fix it, when there is something the user can do.
    public var hint: String? {
        switch self {
        case .initFailed:
            "check that libusb-1.0-0 is installed and run 'atelier doctor'"
        case .noUSBBus:
            "run atelier on a machine (or container with --device /dev/bus/usb) that can see the USB bus"
        case .access:
            "install atelier's udev rules: \(Self.udevInstallCommand), then run "
                + "'sudo udevadm control --reload && sudo udevadm trigger' and replug the probe"
        case .noDevice:
            "check the cable and the hub, replug the probe and run 'atelier probes'"
        case .busy:
            "close other programs using the probe (openocd, st-util, dfu-util, an IDE) and try again"
        case .timeout:
            "the probe or target may be hung: replug it, check the target's power and wiring, then retry"
        case .pipe:
            "the target may be locked, held in reset or in the wrong mode; reset it and retry"
        case .io, .overflow:
            "replug the probe, try another cable or port, avoid unpowered hubs"
        case .interrupted:
            "retry the command"
        case .notFound, .noMemory, .notSupported, .invalidParameter, .other, .shortTransfer, .closed:
            nil
        }
    }

    public var description: String {
        hint.map { "\(message); \($0)" } ?? message
    }
}
