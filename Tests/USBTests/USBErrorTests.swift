import Testing
@testable import USB

struct USBErrorTests {
    /// Every code libusb 1.0.26 defines (enum libusb_error), and one it does not.
    @Test(arguments: [
        (Int32(-1), USBError.io(operation: "op")),
        (-2, .invalidParameter(operation: "op")),
        (-3, .access(operation: "op")),
        (-4, .noDevice(operation: "op")),
        (-5, .notFound(operation: "op")),
        (-6, .busy(operation: "op")),
        (-7, .timeout(operation: "op", milliseconds: 500)),
        (-8, .overflow(operation: "op")),
        (-9, .pipe(operation: "op")),
        (-10, .interrupted(operation: "op")),
        (-11, .noMemory(operation: "op")),
        (-12, .notSupported(operation: "op")),
        (-99, .other(operation: "op", code: -99)),
        (-42, .other(operation: "op", code: -42)),
    ])
    func mapsEveryLibusbCode(code: Int32, expected: USBError) {
        let error = USBError(libusbCode: code, operation: "op", timeoutMilliseconds: 500)
        #expect(error == expected)
        #expect(error.message.contains("op"))
        #expect(!error.description.isEmpty)
    }

    @Test func accessNamesTheUdevRuleToInstall() {
        let error = USBError(libusbCode: -3, operation: "open 0483:3748 at usb:1-4.2")
        #expect(error.message == "permission denied: open 0483:3748 at usb:1-4.2")
        #expect(error.hint?.contains("atelier udev-rules | sudo tee /etc/udev/rules.d/60-atelier.rules") == true)
        #expect(error.description.contains("60-atelier.rules"))
    }

    @Test func noDeviceSaysItWasUnplugged() {
        let error = USBError.noDevice(operation: "bulk OUT on endpoint 0x02 (16 bytes) of 0483:3748 at usb:1-4.2")
        #expect(error.message.contains("unplugged"))
        #expect(error.message.contains("bulk OUT on endpoint 0x02"))
    }

    @Test func timeoutSaysWhichRequestAndHowLong() {
        let request = USBControlRequest(kind: .class, recipient: .interface, request: 3, name: "DFU_GETSTATUS")
        let error = USBError(libusbCode: -7, operation: request.description, timeoutMilliseconds: 5000)
        #expect(error.message
            == "control request DFU_GETSTATUS (bRequest 0x03, wValue 0, wIndex 0) timed out after 5000 ms")
    }

    @Test func pipeSaysTheDeviceStalledTheRequest() {
        let request = USBControlRequest(kind: .class, recipient: .interface, request: 1, value: 2, name: "DFU_DNLOAD")
        let error = USBError(libusbCode: -9, operation: request.description)
        #expect(error.message == "the device stalled control request DFU_DNLOAD (bRequest 0x01, wValue 2, wIndex 0) "
            + "(it refused the request)")
    }

    @Test func noUSBBusExplainsTheContainerCase() {
        let error = USBError.noUSBBus(path: "/dev/bus/usb")
        #expect(error.message == "this machine has no USB device tree (/dev/bus/usb does not exist)")
        #expect(error.hint?.contains("--device /dev/bus/usb") == true)
    }

    @Test func requestTypeEncodesDirectionKindAndRecipient() {
        let request = USBControlRequest(kind: .class, recipient: .interface, request: 3)
        #expect(request.requestType(in: true) == 0xA1)
        #expect(request.requestType(in: false) == 0x21)
        #expect(USBControlRequest(kind: .vendor, recipient: .device, request: 1).requestType(in: true) == 0xC0)
        #expect(USBControlRequest(kind: .standard, recipient: .endpoint, request: 1).requestType(in: false) == 0x02)
    }

    @Test func durationsBecomeLibusbMillisecondsNeverZero() {
        #expect(Duration.seconds(2).libusbMilliseconds == 2000)
        #expect(Duration.milliseconds(250).libusbMilliseconds == 250)
        #expect(Duration.microseconds(10).libusbMilliseconds == 1)
        #expect(Duration.zero.libusbMilliseconds == 1)
    }
}
