import FirmwareImage
import Foundation
import Testing

/// avrdude 7.1, unmodified (`-c usbasp`, through libusb 0.1), judges the rig's USBasp and its ATmega328P.
@Suite final class AvrdudePeerTests {
    let folder: URL

    init() throws {
        try RigProcess.requireTool("avrdude", package: "avrdude")
        folder = try RigProcess.temporaryFolder()
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    private func avrdude(_ arguments: [String], state: URL? = nil, part: String = "m328p") throws
        -> RigProcess.Result
    {
        var rig = ["exec", "--time-scale", "0", "--device", "usbasp:uno"]
        if let state { rig += ["--state", state.path] }
        return try RigProcess.run(rig + ["--", "avrdude", "-c", "usbasp", "-p", part] + arguments, in: folder)
    }

    @Test func readsTheATmega328PSignature() throws {
        let result = try avrdude([])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stderr.contains("device signature = 0x1e950f (probably m328p)"), "\(result.output)")
    }

    @Test func refusesAnotherPartBecauseTheSignatureDiffers() throws {
        let result = try avrdude([], part: "m168")
        #expect(result.status != 0)
        #expect(result.stderr.contains("0x1e950f"), "\(result.output)")
    }

    @Test func hexWrittenIsReadBackIdenticalInALaterRun() throws {
        let state = folder.appendingPathComponent("state")
        let bytes = [UInt8](RigProcess.firmware(count: 9_000, seed: 11))
        let image = try FirmwareImage(segments: [Segment(address: 0, bytes: bytes)])
        try image.write(to: folder.appendingPathComponent("fw.hex").path)
        let write = try avrdude(["-U", "flash:w:fw.hex:i"], state: state)
        #expect(write.status == 0, "\(write.output)")
        #expect(write.stderr.contains("9000 bytes of flash verified"), "\(write.output)")

        // A new exec and a new testbed: the flash comes back from --state.
        let read = try avrdude(["-U", "flash:r:out.hex:i"], state: state)
        #expect(read.status == 0, "\(read.output)")
        let back = try FirmwareImage.load(folder.appendingPathComponent("out.hex").path)
        #expect(back.bytes(in: 0..<32_768, fill: 0xFF) == bytes + [UInt8](repeating: 0xFF, count: 32_768 - 9_000))
    }

    @Test func eepromAndFusesAnswerAsOnAnUno() throws {
        let state = folder.appendingPathComponent("state")
        let data = Data((0..<64).map { UInt8($0 * 3 & 0xFF) })
        try data.write(to: folder.appendingPathComponent("ee.bin"))
        let write = try avrdude(["-U", "eeprom:w:ee.bin:r"], state: state)
        #expect(write.status == 0, "\(write.output)")
        let read = try avrdude(["-U", "eeprom:r:ee-out.bin:r", "-U", "hfuse:r:hfuse.txt:h"], state: state)
        #expect(read.status == 0, "\(read.output)")
        let back = try Data(contentsOf: folder.appendingPathComponent("ee-out.bin"))
        #expect(back.prefix(64) == data)
        let fuse = try String(contentsOf: folder.appendingPathComponent("hfuse.txt"), encoding: .utf8)
        #expect(fuse.trimmingCharacters(in: .whitespacesAndNewlines) == "0xde")
    }
}
