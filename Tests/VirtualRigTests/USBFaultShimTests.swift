import Foundation
import Testing

@testable import VirtualRig

/// The USB-layer faults as libusb sees them through the C shim, driven by real libusb in a child process
/// (Python's ctypes, as in BulkTransferTests): an unplug is LIBUSB_ERROR_NO_DEVICE for every later transfer,
/// a stall is LIBUSB_ERROR_PIPE once, a hang is LIBUSB_ERROR_TIMEOUT after the caller's timeout.
@Suite(.serialized) struct USBFaultShimTests {
    static let prelude = """
        import ctypes, sys
        usb = ctypes.CDLL("libusb-1.0.so.0")
        usb.libusb_open_device_with_vid_pid.restype = ctypes.c_void_p
        context = ctypes.c_void_p()
        assert usb.libusb_init(ctypes.byref(context)) == 0
        handle = ctypes.c_void_p(usb.libusb_open_device_with_vid_pid(context, 0x1209, 0x0002))
        assert handle.value, "device not found"
        assert usb.libusb_claim_interface(handle, 0) == 0
        moved = ctypes.c_int()
        def send(payload, timeout=1000):
            data = ctypes.create_string_buffer(payload, len(payload))
            return usb.libusb_bulk_transfer(handle, 0x01, data, len(payload), ctypes.byref(moved), timeout)
        def descriptor():
            buffer = ctypes.create_string_buffer(18)
            return usb.libusb_control_transfer(handle, 0x80, 0x06, 0x0100, 0, buffer, 18, 1000)

        """

    @Test func anUnplugFailsEveryLaterTransferWithNoDevice() throws {
        let text = try run(Self.prelude + """
            assert descriptor() == 18
            assert send(b"hello rig") == 0
            assert send(b"more") == -4, "expected LIBUSB_ERROR_NO_DEVICE"
            assert descriptor() == -4
            print("unplug ok")
            """, faults: [.unplugAfter(bytes: 9)])
        #expect(text.contains("unplug ok"), "\(text)")
    }

    @Test func aStallFailsOneTransferWithPipe() throws {
        let text = try run(Self.prelude + """
            assert send(b"first") == -9, "expected LIBUSB_ERROR_PIPE"
            assert send(b"second") == 0
            print("stall ok")
            """, faults: [.stallAfter(bytes: 0)])
        #expect(text.contains("stall ok"), "\(text)")
    }

    @Test func aHungDeviceTimesOutAndStaysHung() throws {
        let text = try run(Self.prelude + """
            import time
            assert send(b"fine") == 0
            started = time.monotonic()
            assert send(b"lost", 200) == -7, "expected LIBUSB_ERROR_TIMEOUT"
            assert time.monotonic() - started >= 0.19
            assert send(b"lost again", 100) == -7
            print("timeout ok")
            """, faults: [.timeoutAfter(bytes: 4)])
        #expect(text.contains("timeout ok"), "\(text)")
    }

    private func run(_ script: String, faults: [FaultSpec]) throws -> String {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("python3 is not installed: this test drives libusb through it; run 'apt-get install python3'")
            return ""
        }
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scriptPath = folder.appendingPathComponent("script.py")
        try script.write(to: scriptPath, atomically: true, encoding: .utf8)
        let output = folder.appendingPathComponent("out.txt")
        let rig = try VirtualRig(models: [(LoopbackModel(), "1-2")], faults: faults)
        let status = try rig.run(["/bin/sh", "-c", "\(python) \(scriptPath.path) > \(output.path) 2>&1"])
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        return text
    }
}
