import Foundation
import Testing

@testable import VirtualRig

/// The rig powers a probe's chip for the command and keeps it running for `runFor` afterwards.
@Suite struct ChipPowerTests {
    @Test func firmwareRunsFromPowerOnAndRunForEndsAtItsExit() throws {
        let host = try STLinkTestHost()
        // r0 = 4 (SYS_WRITE0), r1 = "up\n" in flash; bkpt 0xab; r0 = 0x18 (SYS_EXIT), r1 = 0x20026; bkpt 0xab
        let code: [UInt8] = [0x04, 0x20, 0x03, 0x49, 0xAB, 0xBE, 0x18, 0x20, 0x02, 0x49, 0xAB, 0xBE, 0xFE, 0xE7,
                             0x00, 0x00, 0x20, 0x00, 0x00, 0x08, 0x26, 0x00, 0x02, 0x00, 0x75, 0x70, 0x0A, 0x00]
        host.stlink.chip.flash.replace(with: host.le32(0x2000_5000) + host.le32(0x0800_0009) + code)
        host.stlink.chip.reset()
        let rig = try VirtualRig(models: [(host.stlink, nil)])
        let lock = NSLock()
        var seen: [ChipEvent] = []
        let status = try rig.run(["true"], runFor: 20) { _, event in lock.withLock { seen.append(event) } }
        #expect(status == 0)
        let events = lock.withLock { seen }
        #expect(events.contains(.console("up\n")), "\(events)")
        #expect(events.contains(.exit(reason: 0x20026)), "\(events)")
        #expect(!host.stlink.target.runner.isRunning)
    }
}
