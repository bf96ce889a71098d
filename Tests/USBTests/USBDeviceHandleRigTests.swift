import Foundation
import Testing
@testable import USB

/// The real `USBDeviceHandle` against an emulated STM32 DfuSe bootloader (AN3156). These run only inside
/// `atelier-rig exec`, which `ProbesUnderRigTests.handleTransfersUnderTheRig` (AtelierCLITests) arranges by running
/// this test binary under the rig with ATELIER_UNDER_RIG=1. Serialized: run in parallel, the test process was
/// aborted by umockdev's preload ("Destroying IoctlClient with open stream"), which a real kernel would not do.
@Suite(.serialized,
       .enabled(if: ProcessInfo.processInfo.environment["ATELIER_UNDER_RIG"] == "1", "runs inside atelier-rig exec"))
struct USBDeviceHandleRigTests {
    static let serial = "HANDLE1"
    static let timeout = Duration.seconds(2)
    /// DFU 1.1 section 3: class requests to the interface.
    static func dfu(_ request: UInt8, _ name: String, value: UInt16 = 0) -> USBControlRequest {
        USBControlRequest(kind: .class, recipient: .interface, request: request, value: value, index: 0, name: name)
    }

    func openBootloader() throws -> USBDeviceHandle {
        let context = try USBContext()
        let device = try #require(try context.devices().first { $0.serial == Self.serial },
                                  "the rig should show a device with serial \(Self.serial)")
        return try context.open(device)
    }

    @Test func enumerationReadsStringsDescriptorsAndDFUFunctionalDescriptor() throws {
        let devices = try USBContext().devices()
        let device = try #require(devices.first { $0.serial == Self.serial })
        #expect(device.vidPid == "0483:df11")
        #expect(device.product?.isEmpty == false)
        let alternates = device.alternateSettings.filter(\.isDFUMode)
        #expect(!alternates.isEmpty)
        #expect(alternates.first?.name?.hasPrefix("@Internal Flash") == true, "\(alternates.map(\.name))")
        #expect(alternates.contains { $0.dfu?.dfuVersion == 0x011A })
        #expect(KnownProbe.classify(device)?.kind == .dfuse)
    }

    @Test func claimSelectAlternateAndControlTransfers() throws {
        let handle = try openBootloader()
        try handle.withClaimedInterface(0) { handle in
            try handle.setAlternateSetting(0, interface: 0)
            // DFU_GETSTATUS: bStatus, bwPollTimeout (3 bytes), bState, iString.
            let status = try handle.controlIn(Self.dfu(3, "DFU_GETSTATUS"), length: 6, timeout: Self.timeout)
            #expect(status.count == 6)
            #expect(status[0] == 0, "bStatus OK")
            // DFU_ABORT (no data) returns to dfuIDLE; DFU_GETSTATE then answers 2.
            try handle.controlOut(Self.dfu(6, "DFU_ABORT"), data: [], timeout: Self.timeout)
            #expect(try handle.controlIn(Self.dfu(5, "DFU_GETSTATE"), length: 1, timeout: Self.timeout) == [2])
            #expect(try handle.readString(index: handle.device.alternateSettings[0].nameIndex)?
                .hasPrefix("@Internal Flash") == true)
        }
    }

    @Test func aClosedHandleRefusesWithAClearError() throws {
        let handle = try openBootloader()
        handle.close()
        handle.close()
        #expect(throws: USBError.self) {
            try handle.controlIn(Self.dfu(5, "DFU_GETSTATE"), length: 1, timeout: Self.timeout)
        }
        do {
            _ = try handle.controlIn(Self.dfu(5, "DFU_GETSTATE"), length: 1, timeout: Self.timeout)
        } catch {
            guard case .closed(let operation) = error else { Issue.record("got \(error)"); return }
            #expect(operation.contains("DFU_GETSTATE"))
        }
    }

    /// USB 2.0 section 9.2.7: a request the device does not define is a Request Error, answered with a STALL.
    /// Checks the PIPE mapping end to end, through libusb, and that the device still answers afterwards.
    @Test func aStalledRequestBecomesAPipeErrorNamingTheRequest() throws {
        let handle = try openBootloader()
        let unknown = USBControlRequest(kind: .vendor, recipient: .device, request: 0x42, name: "VENDOR_0x42")
        do {
            _ = try handle.controlIn(unknown, length: 4, timeout: Self.timeout)
            Issue.record("expected a stall")
        } catch {
            #expect(error == .pipe(operation: "\(unknown) on \(handle.device)"))
            #expect(error.message.hasPrefix("the device stalled control request VENDOR_0x42 (bRequest 0x42"))
        }
        let status = try handle.withClaimedInterface(0) { handle in
            try handle.controlIn(Self.dfu(3, "DFU_GETSTATUS"), length: 6, timeout: Self.timeout)
        }
        #expect(status.count == 6)
    }

    /// The bootloader has no bulk endpoints, so bulk transfers fail; the error names the transfer and the device.
    @Test func bulkTransfersToAMissingEndpointFailNamingTheTransfer() throws {
        let handle = try openBootloader()
        try handle.withClaimedInterface(0) { handle in
            do {
                _ = try handle.bulkIn(endpoint: 0x81, length: 64, timeout: .milliseconds(500))
                Issue.record("expected an error")
            } catch let error as USBError {
                #expect(error.message.contains("bulk IN on endpoint 0x81 (64 bytes) of \(handle.device)"), "\(error)")
            }
            do {
                try handle.bulkOut(endpoint: 0x01, data: [1, 2, 3], timeout: .milliseconds(500))
                Issue.record("expected an error")
            } catch let error as USBError {
                #expect(error.message.contains("bulk OUT on endpoint 0x01 (3 bytes) of \(handle.device)"), "\(error)")
            }
        }
    }

    /// The rig's hub (in front of usb:1-4.2) never answers an IN: libusb times out and cancels the URB, and the
    /// error says which transfer and how long. The handle stays usable after a timeout.
    @Test func aTransferNobodyAnswersTimesOutAndSaysHowLong() throws {
        let context = try USBContext()
        let hub = try #require(try context.devices().first { $0.portPath.description == "usb:1-4" },
                               "the rig should put a hub at usb:1-4 in front of usb:1-4.2")
        let handle = try context.open(hub)
        for _ in 0..<2 {
            let start = ContinuousClock.now
            do {
                _ = try handle.bulkIn(endpoint: 0x81, length: 64, timeout: .milliseconds(150))
                Issue.record("expected a timeout")
            } catch {
                let operation = "bulk IN on endpoint 0x81 (64 bytes) of \(hub)"
                #expect(error == .timeout(operation: operation, milliseconds: 150))
                #expect(error.message.hasSuffix("timed out after 150 ms"))
            }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(140) && elapsed < .seconds(5), "\(elapsed)")
        }
    }
}
