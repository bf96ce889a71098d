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

    /// The first process leaves an IN URB in flight and exits; the second must get its own data, not the dead
    /// process's URB.
    static let abandonScript = """
        import ctypes, os, sys
        usb = ctypes.CDLL("libusb-1.0.so.0")
        usb.libusb_open_device_with_vid_pid.restype = ctypes.c_void_p
        usb.libusb_alloc_transfer.restype = ctypes.c_void_p
        context = ctypes.c_void_p()
        assert usb.libusb_init(ctypes.byref(context)) == 0
        handle = ctypes.c_void_p(usb.libusb_open_device_with_vid_pid(context, 0x1209, 0x0002))
        assert handle.value and usb.libusb_claim_interface(handle, 0) == 0
        if sys.argv[1] == "abandon":
            class Transfer(ctypes.Structure):
                _fields_ = [("dev_handle", ctypes.c_void_p), ("flags", ctypes.c_uint8), ("endpoint", ctypes.c_uint8),
                            ("type", ctypes.c_uint8), ("timeout", ctypes.c_uint), ("status", ctypes.c_int),
                            ("length", ctypes.c_int), ("actual_length", ctypes.c_int), ("callback", ctypes.c_void_p),
                            ("user_data", ctypes.c_void_p), ("buffer", ctypes.c_void_p),
                            ("num_iso_packets", ctypes.c_int)]
            pointer = usb.libusb_alloc_transfer(0)
            transfer = Transfer.from_address(pointer)
            buffer = ctypes.create_string_buffer(64)
            transfer.dev_handle, transfer.endpoint, transfer.type, transfer.length = handle.value, 0x81, 2, 64
            transfer.buffer = ctypes.cast(buffer, ctypes.c_void_p).value
            assert usb.libusb_submit_transfer(ctypes.c_void_p(pointer)) == 0
            os._exit(0)
        moved = ctypes.c_int()
        data = ctypes.create_string_buffer(b"second", 6)
        assert usb.libusb_bulk_transfer(handle, 0x01, data, 6, ctypes.byref(moved), 1000) == 0
        back = ctypes.create_string_buffer(64)
        result = usb.libusb_bulk_transfer(handle, 0x81, back, 64, ctypes.byref(moved), 1000)
        assert result == 0 and back.raw[:moved.value] == b"second", (result, back.raw[:moved.value])
        print("second ok")
        """

    @Test func anAbandonedURBStaysWithItsProcess() throws {
        let text = try runPython(Self.abandonScript, arguments: [["abandon"], ["second"]])
        #expect(text.contains("second ok"), "\(text)")
    }

    /// Runs `script` once per argument list, one process after another, under one rig with a loopback device.
    private func runPython(_ script: String, arguments: [[String]]) throws -> String {
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
        let commands = arguments.map { words in
            "\(python) \(scriptPath.path) \(words.joined(separator: " ")) >> \(output.path) 2>&1"
        }
        let rig = try VirtualRig(models: [(LoopbackModel(), "1-2")])
        let status = try rig.run(["/bin/sh", "-c", commands.joined(separator: " && ")])
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        return text
    }

    @Test func bulkWritePendingReadDiscardAndEcho() throws {
        let text = try runPython(Self.script, arguments: [[]])
        #expect(text.contains("loopback ok"), "\(text)")
    }
}
