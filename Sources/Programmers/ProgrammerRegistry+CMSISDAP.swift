import USB

extension ProgrammerRegistry {
    /// A CMSIS-DAP v2 probe: the vendor interface named "CMSIS-DAP" (or the only one of a device whose product
    /// string says so) with EP[0] bulk OUT and EP[1] bulk IN, as OpenOCD picks it (cmsis-dap.md section 1). A probe
    /// that only has a HID interface is a v1 probe and is refused with what to do.
    static func openCMSISDAPDebug(_ probe: DetectedProbe, underReset: Bool) throws -> DebugSession {
        let (interface, output, input) = try cmsisDAPInterface(probe)
        let context = try USBContext()
        let handle = try context.open(probe.device)
        try handle.claimInterface(interface.interfaceNumber)
        if interface.alternateSetting != 0 {
            try handle.setAlternateSetting(interface.alternateSetting, interface: interface.interfaceNumber)
        }
        let transport = USBCMSISDAPTransport(usb: handle, outEndpoint: output.address, inEndpoint: input.address)
        let dap = try CMSISDAPProbe(transport: transport, packetSize: Int(output.maxPacketSize))
        try dap.connect(underReset: underReset)
        return DebugSession(probe: probe, debug: dap, pulseNRST: { try dap.resetNRST() },
                            leave: { try dap.disconnect() }, resources: [context, handle, transport])
    }

    static func cmsisDAPInterface(_ probe: DetectedProbe) throws
        -> (USBAlternateSetting, output: USBEndpointInfo, input: USBEndpointInfo)
    {
        let settings = probe.device.alternateSettings
        let named = settings.filter { $0.name?.lowercased().contains("cmsis-dap") ?? false }
        let candidates = named.isEmpty && (probe.device.product?.lowercased().contains("cmsis-dap") ?? false)
            ? settings : named
        for setting in candidates where setting.interfaceClass == 0xFF && setting.endpoints.count >= 2 {
            let output = setting.endpoints[0], input = setting.endpoints[1]
            if output.isBulk, !output.isIn, input.isBulk, input.isIn { return (setting, output, input) }
        }
        if candidates.contains(where: { $0.interfaceClass == 0x03 }) {
            throw CMSISDAPError.hidUnsupported(probe: probe.description)
        }
        throw CMSISDAPError.noInterface(probe: probe.description)
    }
}
