import CLibUSB

extension USBContext {
    /// Reads what libusb knows without opening the device: the device and configuration descriptors (from sysfs
    /// on Linux), bus, address and port numbers. nil when even the device descriptor cannot be read.
    static func describe(_ device: OpaquePointer) -> USBDeviceInfo? {
        var descriptor = libusb_device_descriptor()
        guard libusb_get_device_descriptor(device, &descriptor) == 0 else { return nil }
        let bus = libusb_get_bus_number(device)
        return USBDeviceInfo(
            vendorID: descriptor.idVendor, productID: descriptor.idProduct, bcdDevice: descriptor.bcdDevice,
            deviceClass: descriptor.bDeviceClass, busNumber: bus, deviceAddress: libusb_get_device_address(device),
            portPath: USBPortPath(bus: bus, ports: portNumbers(of: device)),
            alternateSettings: alternateSettings(of: device))
    }

    /// The hub ports from the root down; empty for root hubs or when libusb cannot tell.
    static func portNumbers(of device: OpaquePointer) -> [UInt8] {
        // USB 3.0 allows at most 7 tiers of hubs below the root.
        var ports = [UInt8](repeating: 0, count: 7)
        let count = libusb_get_port_numbers(device, &ports, Int32(ports.count))
        return count > 0 ? Array(ports.prefix(Int(count))) : []
    }

    /// Every alternate setting of the active configuration, or of the first one when the device is unconfigured.
    static func alternateSettings(of device: OpaquePointer) -> [USBAlternateSetting] {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        if libusb_get_active_config_descriptor(device, &config) != 0 || config == nil {
            config = nil
            guard libusb_get_config_descriptor(device, 0, &config) == 0 else { return [] }
        }
        guard let config else { return [] }
        defer { libusb_free_config_descriptor(config) }
        var settings: [USBAlternateSetting] = []
        let interfaceCount = Int(config.pointee.bNumInterfaces)
        guard let interfaces = config.pointee.interface else { return [] }
        for interfaceIndex in 0..<interfaceCount {
            let interface = interfaces[interfaceIndex]
            guard let alternates = interface.altsetting else { continue }
            for alternateIndex in 0..<Int(interface.num_altsetting) {
                settings.append(alternateSetting(alternates[alternateIndex]))
            }
        }
        return settings
    }

    private static func alternateSetting(_ descriptor: libusb_interface_descriptor) -> USBAlternateSetting {
        var endpoints: [USBEndpointInfo] = []
        if let endpointArray = descriptor.endpoint {
            for index in 0..<Int(descriptor.bNumEndpoints) {
                let endpoint = endpointArray[index]
                endpoints.append(USBEndpointInfo(address: endpoint.bEndpointAddress,
                                                 attributes: endpoint.bmAttributes,
                                                 maxPacketSize: endpoint.wMaxPacketSize))
            }
        }
        var extra: [UInt8] = []
        if let bytes = descriptor.extra, descriptor.extra_length > 0 {
            extra = Array(UnsafeBufferPointer(start: bytes, count: Int(descriptor.extra_length)))
        }
        return USBAlternateSetting(
            interfaceNumber: descriptor.bInterfaceNumber, alternateSetting: descriptor.bAlternateSetting,
            interfaceClass: descriptor.bInterfaceClass, interfaceSubclass: descriptor.bInterfaceSubClass,
            interfaceProtocol: descriptor.bInterfaceProtocol, nameIndex: descriptor.iInterface,
            endpoints: endpoints, dfu: DFUFunctionalDescriptor(extraDescriptors: extra))
    }
}
