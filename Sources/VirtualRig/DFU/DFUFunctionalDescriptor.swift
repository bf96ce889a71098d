/// The DFU functional descriptor (DFU 1.1 section 4.1.3), type 0x21, 9 bytes.
public struct DFUFunctionalDescriptor: Equatable, Sendable {
    public struct Attributes: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let canDownload = Attributes(rawValue: 0x01)
        public static let canUpload = Attributes(rawValue: 0x02)
        public static let manifestationTolerant = Attributes(rawValue: 0x04)
        public static let willDetach = Attributes(rawValue: 0x08)
    }

    public var attributes: Attributes
    public var detachTimeout: UInt16
    public var transferSize: UInt16
    /// 0x0110 for DFU 1.1, 0x011A for ST's DfuSe 1.1a.
    public var version: UInt16

    public var bytes: [UInt8] {
        [9, 0x21, attributes.rawValue] + USBDescriptor.le16(detachTimeout) + USBDescriptor.le16(transferSize)
            + USBDescriptor.le16(version)
    }
}
