/// Collects the records of a file into segments as they are read.
///
/// Records that continue the previous one (the usual case: HEX and S-record files are written in address
/// order) are appended in place, so a file of a million 16-byte records builds one array, not a million.
/// Records out of order start new segments; `build` sorts, joins and checks them for overlaps.
struct SegmentBuilder {
    private var segments: [Segment] = []

    mutating func append(_ bytes: some Collection<UInt8>, at address: UInt64) {
        guard !bytes.isEmpty else { return }
        // Compare the end only: binding `segments.last` would hold a second reference to its bytes and make the
        // append below copy the whole segment every time.
        if segments.last?.end == address {
            segments[segments.count - 1].bytes.append(contentsOf: bytes)
        } else {
            segments.append(Segment(address: address, bytes: Array(bytes)))
        }
    }

    func build(entry: UInt64?) throws(FirmwareImageError) -> FirmwareImage {
        try FirmwareImage(segments: segments, entry: entry)
    }
}
