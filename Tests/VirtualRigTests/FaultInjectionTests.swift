import BoardCatalog
import Testing

@testable import VirtualRig

@Suite struct FaultSpecTests {
    @Test(arguments: [
        ("unplug-after=16384", FaultSpec.unplugAfter(bytes: 16384)),
        ("unplug-after=16K", .unplugAfter(bytes: 16384)),
        ("stall", .stallAfter(bytes: 0)),
        ("stall-after=0x100", .stallAfter(bytes: 256)),
        ("timeout", .timeoutAfter(bytes: 0)),
        ("timeout-after=10", .timeoutAfter(bytes: 10)),
        ("bitflip-readback", .bitflipReadback(address: nil)),
        ("bitflip-readback=0x08004010", .bitflipReadback(address: 0x0800_4010)),
        ("write-protect=3", .writeProtect(.index(3))),
        ("write-protect=0x08004000", .writeProtect(.address(0x0800_4000))),
    ])
    func parses(text: String, fault: FaultSpec) throws {
        #expect(try FaultSpec(parsing: text) == fault)
    }

    @Test(arguments: ["unplug", "unplug-after=", "unplug-after=lots", "melt", "write-protect", "write-protect=-1"])
    func refuses(text: String) {
        #expect(throws: VirtualRigError.self) { try FaultSpec(parsing: text) }
    }

    @Test func aDeviceSpecCarriesItsFaults() throws {
        let spec = try DeviceSpec(parsing: "dfuse:stm32f4-discovery:fault=stall-after=10,bitflip-readback:serial=X")
        #expect(spec.faults == [.stallAfter(bytes: 10), .bitflipReadback(address: nil)])
        #expect(spec.options.isEmpty)
        #expect(spec.serial == "X")
    }

    @Test func aSectorOutsideTheChipIsRefused() throws {
        let board = try Fixtures.testBoard()
        #expect(throws: VirtualRigError.self) {
            try DfuSeBootloader(chip: board.chip, serial: "S", clock: VirtualClock(timeScale: 0),
                                faults: [.writeProtect(.index(6))])
        }
        #expect(throws: VirtualRigError.self) {
            try DfuSeBootloader(chip: board.chip, serial: "S", clock: VirtualClock(timeScale: 0),
                                faults: [.writeProtect(.address(0x0900_0000))])
        }
    }
}

@Suite struct USBFaultInjectorTests {
    let getStatus = SetupPacket.classIn(DFURequest.getStatus.rawValue, length: 6)
    let descriptor = SetupPacket(requestType: 0x80, request: 0x06, value: 0x0100, length: 18)

    func server(_ faults: [FaultSpec]) throws -> USBDeviceServer {
        let model = try DfuSeBootloader(chip: try Fixtures.testBoard().chip, serial: "S",
                                        clock: VirtualClock(timeScale: 0))
        return USBDeviceServer(model: model, clock: VirtualClock(timeScale: 0), faults: faults)
    }

    @Test func anUnplugTakesEffectOnceTheBytesHaveMovedAndLasts() throws {
        let server = try server([.unplugAfter(bytes: 12)])
        // Enumeration does not count.
        #expect(server.controlTransfer(descriptor, data: []).verdict == .pass)
        #expect(server.controlTransfer(getStatus, data: []).verdict == .pass)
        #expect(server.controlTransfer(getStatus, data: []).verdict == .pass)
        #expect(server.faults.transferred == 12)
        #expect(server.controlTransfer(getStatus, data: []).verdict == .gone)
        #expect(server.controlTransfer(descriptor, data: []).verdict == .gone)
        #expect(server.bulkIn(endpoint: 0x81, capacity: 64).verdict == .gone)
    }

    @Test func eachStallFiresOnceInOrder() throws {
        let server = try server([.stallAfter(bytes: 6), .stallAfter(bytes: 6)])
        #expect(server.controlTransfer(getStatus, data: []).verdict == .pass)
        #expect(server.controlTransfer(getStatus, data: []).reply == .stall)
        #expect(server.controlTransfer(getStatus, data: []).verdict == .stall)
        #expect(server.controlTransfer(getStatus, data: []).verdict == .pass)
    }

    @Test func aStalledRequestNeverReachesTheModel() throws {
        let server = try server([.stallAfter(bytes: 0)])
        let download = SetupPacket.classOut(DFURequest.download.rawValue, value: 0, length: 1)
        #expect(server.controlTransfer(download, data: [0x41]).verdict == .stall)
        #expect((server.model as? DfuSeBootloader)?.state == .dfuIDLE)
    }

    @Test func aHungDeviceAnswersNothingAfterwards() throws {
        let server = try server([.timeoutAfter(bytes: 6)])
        #expect(server.controlTransfer(getStatus, data: []).verdict == .pass)
        #expect(server.controlTransfer(getStatus, data: []).verdict == .hang)
        #expect(server.controlTransfer(descriptor, data: []).verdict == .hang)
        #expect(server.faults.isHung)
    }

    @Test func shimCodesMatchTheVerdicts() {
        #expect(USBFaultInjector.Verdict.pass.code == nil)
        #expect(USBFaultInjector.Verdict.stall.code == -1)
        #expect(USBFaultInjector.Verdict.hang.code == -2)
        #expect(USBFaultInjector.Verdict.gone.code == -3)
    }
}

@Suite struct ModelFaultTests {
    func dfuse(_ faults: [FaultSpec]) throws -> (DfuSeBootloader, DFUHost) {
        let model = try DfuSeBootloader(chip: try Fixtures.testBoard().chip, serial: "S",
                                        clock: VirtualClock(timeScale: 0), faults: faults)
        return (model, DFUHost(model: model))
    }

    @Test func eraseOfAProtectedSectorSaysOKAndChangesNothing() throws {
        let (model, host) = try dfuse([.writeProtect(.index(1))])
        try model.flash.program(0x0800_0400, [0x12, 0x34])
        let (busy, done) = host.execute(0x41, address: 0x0800_0400)
        #expect(busy?.state == .dfuDNBUSY)
        #expect(done == DFUStatusRecord(status: .ok, pollTimeout: 0, state: .dfuDNLOAD_IDLE))
        #expect(model.flash.read(0x0800_0400, count: 2) == [0x12, 0x34])
    }

    @Test func aWriteToAProtectedSectorFailsErrTarget() throws {
        let (model, host) = try dfuse([.writeProtect(.address(0x0800_0500))])
        _ = host.execute(0x21, address: 0x0800_0400)
        host.download(block: 2, [0, 0, 0, 0])
        #expect(host.status()?.state == .dfuDNBUSY)
        #expect(host.status() == DFUStatusRecord(status: .errTARGET, pollTimeout: 0, state: .dfuERROR))
        #expect(model.flash.read(0x0800_0400, count: 4) == [0xFF, 0xFF, 0xFF, 0xFF])
        // Other sectors still take writes.
        host.clearStatus()
        _ = host.execute(0x21, address: 0x0800_0000)
        host.download(block: 2, [1, 2, 3, 4])
        _ = host.status()
        #expect(host.status()?.state == .dfuDNLOAD_IDLE)
    }

    @Test func aBitFlipShowsOnUploadButNotInTheFlash() throws {
        let (model, host) = try dfuse([.bitflipReadback(address: 0x0800_0002)])
        #expect(host.upload(block: 2, length: 4) == .data([0xFF, 0xFF, 0xFE, 0xFF]))
        #expect(model.flash.read(0x0800_0000, count: 4) == [0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func aBitFlipWithoutAddressLatchesTheFirstByteRead() throws {
        let (_, host) = try dfuse([.bitflipReadback(address: nil)])
        _ = host.execute(0x21, address: 0x0800_0800)
        host.abort()
        #expect(host.upload(block: 2, length: 2) == .data([0xFE, 0xFF]))
        host.abort()
        #expect(host.upload(block: 2, length: 2) == .data([0xFE, 0xFF]))
    }

    @Test func plainDFUDownloadIntoAProtectedSectorFailsErrWrite() throws {
        let board = try Fixtures.testBoard()
        let model = try DFUBootloader(chip: board.chip, boardName: board.name, serial: "S",
                                      clock: VirtualClock(timeScale: 0), faults: [.writeProtect(.index(0))])
        let host = DFUHost(model: model)
        host.download(block: 0, [1, 2, 3, 4])
        _ = host.status()
        #expect(host.status() == DFUStatusRecord(status: .errWRITE, pollTimeout: 0, state: .dfuERROR))
    }
}
