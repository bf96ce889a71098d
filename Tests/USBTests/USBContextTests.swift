import Foundation
import Testing
@testable import USB

/// Runs libusb on this machine, whatever it has: no USB at all (containers), or real devices.
struct USBContextTests {
    @Test func enumerationReturnsOrExplainsWhyNot() {
        do {
            let context = try USBContext()
            let devices = try context.devices()
            // Sorted by port path, and every port path starts with the device's own bus.
            #expect(devices.map(\.portPath) == devices.map(\.portPath).sorted())
            #expect(devices.allSatisfy { $0.portPath.bus == $0.busNumber })
        } catch .noUSBBus(let path) {
            #expect(!FileManager.default.fileExists(atPath: path))
        } catch {
            #expect(!error.message.isEmpty)
        }
    }

    @Test func probeScanNeverThrowsForMissingUSB() throws {
        let scan = try ProbeScan.run()
        if !FileManager.default.fileExists(atPath: USBContext.deviceTreePath) {
            #expect(scan.probes.isEmpty)
            #expect(scan.noUSB == .noUSBBus(path: USBContext.deviceTreePath))
        }
    }

    @Test func contextsAreIndependentAndCanBeUsedConcurrently() async throws {
        guard (try? USBContext()) != nil else { return }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask { try USBContext().devices(readStrings: false).count }
            }
            var counts: [Int] = []
            for try await count in group { counts.append(count) }
            #expect(Set(counts).count == 1)
        }
    }

    @Test func openingAVanishedDeviceSaysItWasUnplugged() throws {
        guard let context = try? USBContext() else { return }
        let ghost = USBDeviceInfo(vendorID: 0x0483, productID: 0xDF11, busNumber: 250, deviceAddress: 250,
                                  portPath: USBPortPath(bus: 250, ports: [9]))
        #expect(throws: USBError.noDevice(operation: "open 0483:df11 at usb:250-9")) { try context.open(ghost) }
    }

    @Test func accessCheckReportsWithoutThrowing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-usb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rules = folder.appendingPathComponent("60-atelier.rules").path
        #expect(USBAccess.check(deviceTree: folder.appendingPathComponent("none").path, rulesPath: rules).udevRules
                == .missing)
        try UdevRules.render().write(toFile: rules, atomically: true, encoding: .utf8)
        let access = USBAccess.check(deviceTree: folder.appendingPathComponent("none").path, rulesPath: rules)
        #expect(access.udevRules == .installed)
        #expect(!access.deviceTreeReadable)
        try "# old\n".write(toFile: rules, atomically: true, encoding: .utf8)
        #expect(USBAccess.check(rulesPath: rules).udevRules == .outdated)
    }
}
