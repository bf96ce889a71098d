import Testing
import USB

@testable import Programmers

@Suite struct USBSTLinkTransportTests {
    @Test func aV2SendsOnEndpoint2AndReadsTheReplyOn0x81() throws {
        let command: [UInt8] = [0xF1, 0x80] + [UInt8](repeating: 0, count: 14)
        let usb = ScriptedUSBTransport([
            .bulkOut(endpoint: 0x02, data: command),
            .bulkIn(endpoint: 0x81, reply: [0x29, 0x47, 0x83, 0x04]),
            .bulkIn(endpoint: 0x81, reply: [0x48, 0x37]),
        ])
        let model = try #require(STLinkModel.model(vendorID: 0x0483, productID: 0x3748))
        let transport = USBSTLinkTransport(usb: usb, model: model)
        #expect(try transport.command([0xF1, 0x80], replyLength: 6) == [0x29, 0x47, 0x83, 0x04, 0x48, 0x37])
        #expect(usb.remainingSteps.isEmpty && usb.mismatches.isEmpty)
    }

    @Test func aV21WritesMemoryOnEndpoint1() throws {
        let header = WriteMemoryHeader(width: 4, address: 0x2000_0000, count: 4).encode()
        let usb = ScriptedUSBTransport([
            .bulkOut(endpoint: 0x01, data: header + [UInt8](repeating: 0, count: 16 - header.count)),
            .bulkOut(endpoint: 0x01, data: [1, 2, 3, 4]),
        ])
        let model = try #require(STLinkModel.model(vendorID: 0x0483, productID: 0x374B))
        try USBSTLinkTransport(usb: usb, model: model).command(header, dataOut: [1, 2, 3, 4])
        #expect(usb.remainingSteps.isEmpty && usb.mismatches.isEmpty)
    }

    @Test func aStalledCommandIsAUSBError() throws {
        let usb = ScriptedUSBTransport([
            ScriptedUSBTransport.Step.bulkOut(endpoint: 0x02).failing(with: .pipe(operation: "bulk OUT on 0x02")),
        ])
        let model = try #require(STLinkModel.model(vendorID: 0x0483, productID: 0x3748))
        #expect(throws: STLinkError.usb(.pipe(operation: "bulk OUT on 0x02"))) {
            try USBSTLinkTransport(usb: usb, model: model).command([0xF5], replyLength: 2)
        }
    }
}
