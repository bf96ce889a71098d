import BoardCatalog

/// The progress of a flash run, as a stream the CLI turns into a bar or JSON lines.
public enum FlashEvent: Sendable, Equatable {
    /// The plan: how many sectors and image bytes.
    case planned(sectors: Int, imageBytes: UInt64)
    case comparing(Sector)
    case skipped(Sector)
    case erasing(Sector)
    /// `count` bytes written at `address`; `done` of `total` planned image bytes handled so far.
    case writing(address: UInt64, count: Int, done: UInt64, total: UInt64)
    case verifying(Sector)
    /// The device stalled `operation` at `address`; the core tries it once more and verifies what it wrote.
    case retrying(operation: String, address: UInt64, reason: String)
    case finished(FlashReport)
}

/// What a flash run did, for the summary line and `--json`.
public struct FlashReport: Sendable, Equatable, Codable {
    public var sectorsTouched = 0
    public var sectorsSkipped = 0
    public var sectorsErased = 0
    public var sectorsProgrammed = 0
    public var bytesWritten: UInt64 = 0
    public var bytesRead: UInt64 = 0
    public var bytesVerified: UInt64 = 0
    public var massErased = false
    /// Operations tried a second time after a stall; every sector they touched was verified.
    public var retries = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sectorsTouched = "sectors_touched"
        case sectorsSkipped = "sectors_skipped"
        case sectorsErased = "sectors_erased"
        case sectorsProgrammed = "sectors_programmed"
        case bytesWritten = "bytes_written"
        case bytesRead = "bytes_read"
        case bytesVerified = "bytes_verified"
        case massErased = "mass_erased"
        case retries
    }
}
