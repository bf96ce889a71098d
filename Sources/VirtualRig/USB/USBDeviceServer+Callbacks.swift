import CUMockdevShim

/// The C callback table for one server. The context is an unretained pointer: `VirtualRig` keeps the servers
/// alive for as long as the testbed exists.
extension USBDeviceServer {
    var callbacks: rig_device_callbacks {
        var table = rig_device_callbacks()
        table.context = Unmanaged.passUnretained(self).toOpaque()
        table.control = { context, setupBytes, data, length, delay in
            guard let context, let setupBytes,
                let setup = SetupPacket(bytes: Array(UnsafeBufferPointer(start: setupBytes, count: 8)))
            else { return RIG_STALL }
            let server = Unmanaged<USBDeviceServer>.fromOpaque(context).takeUnretainedValue()
            let count = Int(max(0, length))
            let payload = setup.isIn || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: count))
            let (verdict, reply, microseconds) = server.controlTransfer(setup, data: payload)
            delay?.pointee = microseconds
            if let code = verdict.code { return code }
            switch reply {
            case .data(let bytes):
                let written = min(bytes.count, count)
                if let data { for index in 0..<written { data[index] = bytes[index] } }
                return Int32(written)
            case .ack:
                return Int32(count)
            case .stall:
                return RIG_STALL
            }
        }
        table.bulk_out = { context, endpoint, data, length, delay in
            guard let context else { return RIG_STALL }
            let server = Unmanaged<USBDeviceServer>.fromOpaque(context).takeUnretainedValue()
            let payload = data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: Int(max(0, length))))
            let (verdict, accepted, microseconds) = server.bulkOut(endpoint: endpoint, data: payload)
            delay?.pointee = microseconds
            if let code = verdict.code { return code }
            return accepted ? length : RIG_STALL
        }
        table.bulk_in = { context, endpoint, data, capacity, delay in
            guard let context else { return RIG_STALL }
            let server = Unmanaged<USBDeviceServer>.fromOpaque(context).takeUnretainedValue()
            let (verdict, reply, microseconds) = server.bulkIn(endpoint: endpoint, capacity: Int(max(0, capacity)))
            delay?.pointee = microseconds
            if let code = verdict.code { return code }
            switch reply {
            case .data(let bytes):
                let written = min(bytes.count, Int(capacity))
                if let data { for index in 0..<written { data[index] = bytes[index] } }
                return Int32(written)
            case .pending:
                return RIG_PENDING
            case .stall:
                return RIG_STALL
            }
        }
        table.set_interface = { context, interface, alternate in
            guard let context else { return RIG_STALL }
            let server = Unmanaged<USBDeviceServer>.fromOpaque(context).takeUnretainedValue()
            return server.selectAlternate(interface: Int(interface), alternate: Int(alternate)) ? 0 : RIG_STALL
        }
        table.reset = { context in
            guard let context else { return }
            Unmanaged<USBDeviceServer>.fromOpaque(context).takeUnretainedValue().busReset()
        }
        return table
    }
}

extension USBFaultInjector.Verdict {
    /// The shim's return code for a fault, or nil to serve the request.
    var code: Int32? {
        switch self {
        case .pass: nil
        case .stall: RIG_STALL
        case .gone: RIG_NODEV
        case .hang: RIG_PENDING
        }
    }
}
