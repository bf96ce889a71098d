import Foundation
import Testing

@testable import VirtualRig

/// Bulk URBs through the C shim, driven by real libusb in a child process (Python's ctypes, so no compiler is
/// needed): a read that times out and is discarded, a write, and the read that returns it.
@Suite(.serialized) struct BulkTransferTests {
    static let script = """
        import ctypes, sys
        usb = ctypes.CDLL("libusb-1.0.so.0")
        usb.libusb_open_device_with_vid_pid.restype = ctypes.c_void_p
        context = ctypes.c_void_p()
        assert usb.libusb_init(ctypes.byref(context)) == 0
        handle = ctypes.c_void_p(usb.libusb_open_device_with_vid_pid(context, 0x1209, 0x0002))
        assert handle.value, "device not found"
        assert usb.libusb_claim_interface(handle, 0) == 0
        moved = ctypes.c_int()
        buffer = ctypes.create_string_buffer(64)
        result = usb.libusb_bulk_transfer(handle, 0x81, buffer, 64, ctypes.byref(moved), 50)
        assert result == -7, "expected LIBUSB_ERROR_TIMEOUT, got %d" % result
        for payload in (b"hello rig", bytes(range(64)) * 3):
            data = ctypes.create_string_buffer(payload, len(payload))
            assert usb.libusb_bulk_transfer(handle, 0x01, data, len(payload), ctypes.byref(moved), 1000) == 0
            assert moved.value == len(payload)
            back = ctypes.create_string_buffer(256)
            assert usb.libusb_bulk_transfer(handle, 0x81, back, 256, ctypes.byref(moved), 1000) == 0
            assert back.raw[:moved.value] == payload, back.raw[:moved.value]
        usb.libusb_release_interface(handle, 0)
        usb.libusb_close(handle)
        print("loopback ok")
        """

    @Test func bulkWritePendingReadDiscardAndEcho() throws {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("python3 is not installed: this test drives libusb through it; run 'apt-get install python3'")
            return
        }
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scriptPath = folder.appendingPathComponent("loopback.py")
        try Self.script.write(to: scriptPath, atomically: true, encoding: .utf8)
        let output = folder.appendingPathComponent("out.txt")
        let rig = try VirtualRig(models: [(LoopbackModel(), "1-2")])
        let status = try rig.run(["/bin/sh", "-c", "\(python) \(scriptPath.path) > \(output.path) 2>&1"])
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        #expect(text.contains("loopback ok"), "\(text)")
    }
}
