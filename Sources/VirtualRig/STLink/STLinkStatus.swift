/// The status byte of API v2 replies and of GETLASTRWSTATUS(2), `stlink.md` section 5.
enum STLinkStatus {
    static let ok: UInt8 = 0x80
    /// Generic failure, and "halted" in the API v1 GETSTATUS reply.
    static let fault: UInt8 = 0x81
    static let jtagGetIDCodeError: UInt8 = 0x09
    /// The AHB-AP answered an access with an error response (the SW-DP's FAULT ack): a bus fault.
    static let swdAPFault: UInt8 = 0x11
    static let badAP: UInt8 = 0x1D
    /// API v1 GETSTATUS: the core runs.
    static let coreRunning: UInt8 = 0x80
    /// API v1 GETSTATUS: the core is halted.
    static let coreHalted: UInt8 = 0x81
}
