import BoardCatalog
import Flash
import Testing
import USB

@testable import Programmers

@Suite struct DFUProgrammerTests {
    let base: UInt64 = 0x0800_0000

    func programmer(_ device: ScriptedDFUDevice, tolerant: Bool = true, sleeps: SleepLog? = nil)
        -> DFUProgrammer
    {
        let programmer = DFUProgrammer(transport: device, transferSize: device.transferSize, base: base,
                                       manifestationTolerant: tolerant)
        programmer.sleep = { sleeps?.values.append($0) }
        return programmer
    }

    final class SleepLog { var values: [UInt32] = [] }

    func stream(_ programmer: DFUProgrammer, _ bytes: [UInt8]) throws -> [Int] {
        var progress: [Int] = []
        try programmer.writeStream(count: bytes.count, bytes: { Array(bytes[$0]) }, written: { progress.append($0) })
        return progress
    }

    @Test func aStreamIsNumberedBlocksThenAZeroLengthDownload() throws {
        let device = ScriptedDFUDevice()
        let bytes = (0..<40).map { UInt8($0) }
        #expect(try stream(programmer(device), bytes) == [16, 32, 40])
        #expect(device.requests.filter { $0.hasPrefix("download") }
            == ["download(0, 16)", "download(1, 16)", "download(2, 8)", "download(3, 0)"])
        #expect(Array(device.memory.prefix(40)) == bytes)
        #expect(device.state == .dfuIdle)
    }

    @Test func busyPollsWaitTheDevicesPollTimeoutEachTime() throws {
        let device = ScriptedDFUDevice()
        device.busyPolls = 2
        device.pollTimeout = 7
        let sleeps = SleepLog()
        _ = try stream(programmer(device, sleeps: sleeps), [1, 2, 3])
        // Two busy answers for the one block. Manifestation answers dfuIDLE at once: no later GETSTATUS, so no
        // wait (bwPollTimeout only spaces GETSTATUS requests).
        #expect(sleeps.values == [7, 7])
    }

    @Test func aFailingBlockReportsTheStatusAndClearsTheError() throws {
        let device = ScriptedDFUDevice()
        device.failingBlock = 1
        #expect(throws: DFUError.deviceError(operation: "download block 1 (16 bytes at 0x08000010)",
                                             status: .errWrite, state: .error)) {
            _ = try stream(programmer(device), [UInt8](repeating: 0, count: 40))
        }
        #expect(device.requests.last == "clearStatus")
        #expect(device.state == .dfuIdle)
    }

    @Test func aDeviceLeftInErrorOrMidDownloadIsBroughtBackToIdle() throws {
        let device = ScriptedDFUDevice()
        device.state = .error
        device.status = .errFirmware
        _ = try stream(programmer(device), [1])
        #expect(device.requests.prefix(2) == ["getStatus", "clearStatus"])
        device.state = .downloadIdle
        device.requests = []
        _ = try stream(programmer(device), [2])
        #expect(device.requests.prefix(2) == ["getStatus", "abort"])
    }

    @Test func uploadReadsUntilAShortFrameAndContinuesSequentialReads() throws {
        let device = ScriptedDFUDevice(size: 40)
        device.memory = (0..<40).map { UInt8($0) }
        let programmer = programmer(device)
        #expect(try programmer.read(address: base, count: 10) == Array(0..<10))
        #expect(try programmer.read(address: base + 10, count: 20) == Array(10..<30))
        // Past the end the device sends a short frame: the read comes back short.
        #expect(try programmer.read(address: base + 30, count: 20) == Array(30..<40))
        #expect(device.requests.filter { $0.hasPrefix("upload") } == ["upload(0)", "upload(1)", "upload(2)"])
    }

    @Test func aReadBehindTheUploadStartsAgainFromTheBase() throws {
        let device = ScriptedDFUDevice(size: 64)
        device.memory = (0..<64).map { UInt8($0) }
        let programmer = programmer(device)
        #expect(try programmer.read(address: base + 20, count: 4) == [20, 21, 22, 23])
        #expect(try programmer.read(address: base + 2, count: 2) == [2, 3])
        #expect(device.requests.contains("abort"))
        #expect(device.requests.filter { $0 == "upload(0)" }.count == 2)
    }

    @Test func aNonTolerantDeviceWaitsForResetAndSaysSo() throws {
        let device = ScriptedDFUDevice()
        device.manifestationTolerant = false
        let programmer = programmer(device, tolerant: false)
        _ = try stream(programmer, [1, 2])
        #expect(device.state == .manifest)
        #expect(throws: DFUError.awaitsReset(operation: "read at 0x08000000")) {
            try programmer.read(address: base, count: 2)
        }
    }

    @Test func detachSendsTheTimeoutInWValue() throws {
        let device = ScriptedDFUDevice()
        try programmer(device).detach()
        #expect(device.requests == ["detach"])
        #expect(device.lastValue == 1000)
    }

    @Test func aDeviceInRunTimeModeIsRefused() {
        let device = ScriptedDFUDevice()
        device.state = .appIdle
        #expect(throws: DFUError.unexpectedState(operation: "open", expected: "dfuIDLE (DFU mode)", got: .appIdle)) {
            _ = try stream(programmer(device), [1])
        }
    }

    @Test func itIsAStreamOnlyTargetWithoutErase() throws {
        let programmer = programmer(ScriptedDFUDevice())
        #expect(programmer.capabilities.streamBase == base)
        #expect(!programmer.capabilities.canEraseSectors && !programmer.capabilities.canMassErase)
        #expect(throws: DFUError.self) { try programmer.massErase() }
        #expect(throws: DFUError.self) { try programmer.program(address: base, bytes: [1]) }
    }

    @Test func theBaseComesFromTheInterfaceString() {
        #expect(ProgrammerRegistry.address(in: "Flash at 0x08004000") == 0x0800_4000)
        #expect(ProgrammerRegistry.address(in: "GD32 DFU") == nil)
    }

    @Test func usbAndDFUErrorsClassifyForTheFlashCore() {
        #expect(USBErrorKinds.noDevice.flashFailureKind == .disconnected)
        #expect(USBErrorKinds.pipe.flashFailureKind == .stalled)
        #expect(USBErrorKinds.timeout.flashFailureKind == .timedOut)
        #expect(DFUError.deviceError(operation: "x", status: .errTarget, state: .error).flashFailureKind == .refused)
    }
}

enum USBErrorKinds {
    static let noDevice = USBError.noDevice(operation: "DFU_DNLOAD")
    static let pipe = USBError.pipe(operation: "DFU_GETSTATUS")
    static let timeout = USBError.timeout(operation: "DFU_GETSTATUS", milliseconds: 5000)
}
