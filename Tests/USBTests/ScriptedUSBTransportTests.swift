import Testing
@testable import USB

struct ScriptedUSBTransportTests {
    static let getStatus = USBControlRequest(kind: .class, recipient: .interface, request: 3, name: "DFU_GETSTATUS")

    @Test func playsTheScriptInOrder() throws {
        let transport = ScriptedUSBTransport([
            .bulkOut(endpoint: 0x02, data: [0xF1, 0x80]),
            .bulkIn(endpoint: 0x81, reply: [0x26, 0x47, 0x83, 0x04, 0x48, 0x37]),
            .controlIn(request: 3, reply: [0, 10, 0, 0, 5, 0]),
            .controlOut(request: 1, value: 2),
        ])
        try transport.bulkOut(endpoint: 0x02, data: [0xF1, 0x80], timeout: .seconds(1))
        #expect(try transport.bulkIn(endpoint: 0x81, length: 2, timeout: .seconds(1)) == [0x26, 0x47])
        #expect(try transport.controlIn(Self.getStatus, length: 6, timeout: .seconds(1)) == [0, 10, 0, 0, 5, 0])
        try transport.controlOut(USBControlRequest(kind: .class, recipient: .interface, request: 1, value: 2),
                                 data: [1, 2, 3], timeout: .seconds(1))
        #expect(transport.remainingSteps.isEmpty)
        #expect(transport.mismatches.isEmpty)
    }

    @Test func scriptedFailuresSurfaceAsUSBErrors() {
        let stall = USBError.pipe(operation: "control request DFU_GETSTATUS")
        let transport = ScriptedUSBTransport([.controlIn(request: 3, reply: []).failing(with: stall)])
        #expect(throws: stall) { try transport.controlIn(Self.getStatus, length: 6, timeout: .seconds(1)) }
        #expect(transport.mismatches.isEmpty)
    }

    @Test func unexpectedCallsAreRecordedAndFail() {
        let transport = ScriptedUSBTransport([.bulkOut(endpoint: 0x02, data: [0xF1])])
        #expect(throws: USBError.self) { try transport.bulkOut(endpoint: 0x02, data: [0xF2], timeout: .seconds(1)) }
        #expect(transport.mismatches.count == 1)
        #expect(transport.mismatches.first?.contains("expected bulkOut(endpoint: 0x02) data: [241]") == true)
        #expect(transport.remainingSteps.count == 1)
        try? transport.bulkOut(endpoint: 0x02, data: [0xF1], timeout: .seconds(1))
        #expect(throws: USBError.self) { try transport.bulkIn(endpoint: 0x81, length: 64, timeout: .seconds(1)) }
        #expect(transport.mismatches.last?.contains("after the script ended") == true)
    }

    /// A driver written against the protocol works with any transport: this is the seam drivers use.
    @Test func driversTakeAnyTransport() throws {
        func readVersion(_ transport: any USBTransport) throws(USBError) -> [UInt8] {
            try transport.bulkOut(endpoint: 0x02, data: [0xF1, 0x80], timeout: .milliseconds(100))
            return try transport.bulkIn(endpoint: 0x81, length: 6, timeout: .milliseconds(100))
        }
        let transport = ScriptedUSBTransport([.bulkOut(endpoint: 0x02), .bulkIn(endpoint: 0x81, reply: [1, 2])])
        #expect(try readVersion(transport) == [1, 2])
    }
}
