import VirtualRig

/// Drives a DFU model's control handler the way dfu-util does, without USB.
struct DFUHost {
    let model: USBDeviceModel

    func status() -> DFUStatusRecord? {
        guard case .data(let bytes) = model.control(.classIn(DFURequest.getStatus.rawValue, length: 6), data: [])
        else { return nil }
        return DFUStatusRecord(bytes: bytes)
    }

    func state() -> DFUState? {
        guard case .data(let bytes) = model.control(.classIn(DFURequest.getState.rawValue, length: 1), data: []),
            bytes.count == 1
        else { return nil }
        return DFUState(rawValue: bytes[0])
    }

    @discardableResult
    func download(block: UInt16, _ data: [UInt8]) -> ControlReply {
        model.control(.classOut(DFURequest.download.rawValue, value: block, length: UInt16(data.count)), data: data)
    }

    func upload(block: UInt16, length: Int) -> ControlReply {
        model.control(.classIn(DFURequest.upload.rawValue, value: block, length: UInt16(length)), data: [])
    }

    @discardableResult
    func abort() -> ControlReply { model.control(.classOut(DFURequest.abort.rawValue), data: []) }

    @discardableResult
    func clearStatus() -> ControlReply { model.control(.classOut(DFURequest.clearStatus.rawValue), data: []) }

    /// A DfuSe command with a 32-bit address, little-endian.
    @discardableResult
    func command(_ code: UInt8, address: UInt32? = nil) -> ControlReply {
        var bytes = [code]
        if let address { bytes += (0..<4).map { UInt8((address >> (8 * $0)) & 0xFF) } }
        return download(block: 0, bytes)
    }

    /// Command, then the two GETSTATUS polls dfu-util makes; returns both replies.
    func execute(_ code: UInt8, address: UInt32? = nil) -> (DFUStatusRecord?, DFUStatusRecord?) {
        command(code, address: address)
        return (status(), status())
    }
}
