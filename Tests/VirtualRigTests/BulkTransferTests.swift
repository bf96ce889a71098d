import Foundation
import Testing

@testable import VirtualRig

/// A bulk echo device: what goes out on EP 0x01 comes back on EP 0x81; an IN with nothing queued stays pending.
final class LoopbackModel: USBDeviceModel {
    let deviceDescriptor = USBDescriptor.device(vendorID: 0x1209, productID: 0x0002, bcdDevice: 0x0100)
    let configurationDescriptor = USBDescriptor.configuration(
        interfaces: 1,
        body: USBDescriptor.interface(number: 0, alternate: 0, endpoints: 2, interfaceClass: 0xFF, subclass: 0,
                                      protocol: 0, string: 0)
            + USBDescriptor.endpoint(address: 0x01, attributes: 0x02, maxPacketSize: 64)
            + USBDescriptor.endpoint(address: 0x81, attributes: 0x02, maxPacketSize: 64))
    let strings: [UInt8: String] = [1: "atelier", 2: "loopback", 3: "LOOP0001"]
    private var queue: [[UInt8]] = []

    func control(_ setup: SetupPacket, data: [UInt8]) -> ControlReply { .stall }

    func bulkOut(endpoint: UInt8, data: [UInt8]) -> Bool {
        guard endpoint == 0x01 else { return false }
        queue.append(data)
        return true
    }

    func bulkIn(endpoint: UInt8, capacity: Int) -> BulkInReply {
        guard endpoint == 0x81 else { return .stall }
        guard !queue.isEmpty else { return .pending }
        return .data(Array(queue.removeFirst().prefix(capacity)))
    }
}

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
