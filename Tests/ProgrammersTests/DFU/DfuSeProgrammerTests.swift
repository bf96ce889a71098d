import BoardCatalog
import Testing

@testable import Programmers

@Suite struct DfuSeProgrammerTests {
    func programmer(_ device: ScriptedDfuSeDevice) -> DfuSeProgrammer {
        let programmer = DfuSeProgrammer(transport: device, transferSize: device.transferSize)
        programmer.sleep = { _ in }
        return programmer
    }

    @Test func programThenReadAcrossSeveralBlocks() throws {
        let device = ScriptedDfuSeDevice()
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 3) }
        try programmer(device).program(address: 0x0800_0000, bytes: bytes)
        #expect(try programmer(device).read(address: 0x0800_0000, count: 5000) == bytes)
        #expect(try programmer(device).read(address: 0x0800_1000, count: 16) == Array(bytes[4096..<4112]))
    }

    @Test func aCommandWhoseFirstStatusIsNotBusyIsRefused() {
        let device = ScriptedDfuSeDevice()
        device.firstStatusAfterCommand = .downloadIdle
        #expect(throws: DFUError.unexpectedState(operation: "mass erase", expected: "dfuDNBUSY", got: .downloadIdle)) {
            try programmer(device).massErase()
        }
    }

    @Test func aRefusedAddressReportsTheDevicesStatus() {
        let device = ScriptedDfuSeDevice()
        device.protectedBelow = 0x0800_4000
        #expect(throws: DFUError.deviceError(operation: "set address 0x08000000", status: .errTarget, state: .error)) {
            try programmer(device).program(address: 0x0800_0000, bytes: [1, 2, 3, 4])
        }
    }

    @Test func aDeviceLeftInErrorIsClearedBeforeUse() throws {
        let device = ScriptedDfuSeDevice()
        device.state = .error
        device.status = .errFirmware
        try programmer(device).massErase()
        #expect(device.requests.prefix(2) == [.getStatus, .clearStatus])
    }

    @Test func layoutStringOfTheSTM32F4BootloaderParses() throws {
        let layout = try DfuSeLayout(parsing: "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
        #expect(layout.name == "Internal Flash")
        #expect(layout.segments.first?.start == 0x0800_0000)
        #expect(layout.sectorSizes == [16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128].map { UInt64($0) << 10 })
        let option = try DfuSeLayout(parsing: "@Option Bytes  /0x1FFFC000/01*016 g")
        #expect(option.sectorSizes == [16])
    }

    @Test(arguments: ["Internal Flash/0x0/1*1Kg", "@Flash/08000000/1*1Kg", "@Flash/0x08000000/1*1Kz", "@Flash/0x0/x*1Kg"])
    func badLayoutsAreRefused(text: String) {
        #expect(throws: DFUError.self) { try DfuSeLayout(parsing: text) }
    }

    @Test func layoutTextRoundTripsABoardRegion() throws {
        let region = MemoryRegion(
            name: "flash", kind: .flash, start: 0x0800_0000, size: 1 << 20,
            sectors: [SectorGroup(size: 16 << 10, count: 4), SectorGroup(size: 64 << 10, count: 1), SectorGroup(size: 128 << 10, count: 7)])
        let text = DfuSeLayout.text(describing: region)
        #expect(text == "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
        #expect(try DfuSeLayout(parsing: text).describes(region))
    }
}
