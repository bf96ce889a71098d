import BoardCatalog

extension FlashExecutor {
    /// Flashes through a stream-only programmer (plain DFU): no addresses, no erase command, one download from
    /// `base` that erases each sector as it reaches it. The core still decides what the flash must hold: the
    /// span from `base` to the end of the last touched sector is the image over the device's current bytes
    /// (blank instead in the touched sectors under `--full`); it is compared by read-back, skipped when the
    /// device already holds it, else written in one pass and verified by read-back.
    ///
    /// Every pass goes a transfer at a time. What stays in memory is the device's bytes the image does not
    /// cover (they must be sent again, as a plain DFU device cannot be written at an offset): at most one
    /// sector for an image that starts at the base without holes, whatever its size.
    func runStream(_ plan: FlashPlan, source: FlashSource, base: UInt64) throws(FlashError) -> FlashReport {
        var report = FlashReport()
        events(.planned(sectors: plan.steps.count, imageBytes: plan.imageBytes))
        if plan.options.massErase {
            throw .unsupported("this programmer writes one stream and cannot mass-erase; flash without --mass-erase")
        }
        guard let first = plan.steps.first?.pieces.first?.lowerBound, let last = plan.steps.last else {
            events(.finished(report))
            return report
        }
        guard first >= base else { throw .belowStreamBase(image: first, base: base) }
        let span = StreamSpan(plan: plan, base: base, end: last.sector.end, erased: last.region.erased)
        report.sectorsTouched = plan.steps.count
        for step in plan.steps { events(.comparing(step.sector)) }
        // Pass 1: compare, keeping what the image does not cover.
        var kept = KeptBytes()
        var differs = false
        try eachChunk(of: span, report: &report) { (range, current) throws(FlashError) in
            for piece in span.uncovered(range) where !span.blanked(piece.lowerBound) {
                let offset = Int(piece.lowerBound - range.lowerBound)
                kept.append(piece, current[offset..<(offset + piece.count)])
            }
            if !differs, try span.wanted(range, source: source, kept: kept) != current { differs = true }
        }
        if !differs {
            report.sectorsSkipped = plan.steps.count
            for step in plan.steps { events(.skipped(step.sector)) }
            events(.finished(report))
            return report
        }
        // No sector counts as skipped once anything changes: the device erases and rewrites every one it reaches.
        try writeStream(span, source: source, kept: kept, plan: plan, report: &report)
        if plan.options.verify || state.retries > 0 {
            for step in plan.steps { events(.verifying(step.sector)) }
            try eachChunk(of: span, report: &report) { (range, actual) throws(FlashError) in
                let wanted = try span.wanted(range, source: source, kept: kept)
                if let index = zip(actual, wanted).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                    throw .verifyMismatch(address: range.lowerBound + UInt64(index), expected: wanted[index],
                                          actual: actual[index])
                }
            }
            report.bytesVerified += span.end - span.base
        }
        report.retries = state.retries
        events(.finished(report))
        return report
    }

    /// Reads the span a transfer at a time and hands each chunk to `body`.
    private func eachChunk(
        of span: StreamSpan, report: inout FlashReport,
        _ body: (Range<UInt64>, [UInt8]) throws(FlashError) -> Void
    ) throws(FlashError) {
        var address = span.base
        while address < span.end {
            let range = address..<min(span.end, address + UInt64(target.capabilities.maxTransferSize))
            try body(range, try read(address, count: range.count, report: &report))
            address = range.upperBound
        }
    }

    /// The one download; every sector from the base to the end is erased and programmed by the device.
    private func writeStream(
        _ span: StreamSpan, source: FlashSource, kept: KeptBytes, plan: FlashPlan, report: inout FlashReport
    ) throws(FlashError) {
        let count = Int(span.end - span.base)
        let sectors = plan.steps.last.map { step in
            step.region.sectorList.filter { $0.start < span.end && $0.end > span.base }.count
        } ?? 0
        state.changing = span.base..<span.end
        var reached = 0
        try attempt("write", at: span.base + UInt64(reached)) {
            reached = 0
            try target.writeStream(
                count: count,
                bytes: { range in
                    let absolute = (span.base + UInt64(range.lowerBound))..<(span.base + UInt64(range.upperBound))
                    return try span.wanted(absolute, source: source, kept: kept)
                },
                written: { offset in
                    state.written += UInt64(offset - reached)
                    reached = offset
                    events(.writing(address: span.base + UInt64(offset), count: 0, done: UInt64(offset),
                                    total: UInt64(count)))
                })
        }
        report.bytesWritten += UInt64(count)
        report.sectorsErased += sectors
        report.sectorsProgrammed += sectors
    }
}

/// The address span a stream rewrites, and which of its bytes come from the image.
struct StreamSpan {
    let base: UInt64
    let end: UInt64
    let erased: UInt8
    /// The image's ranges in address order.
    let pieces: [Range<UInt64>]
    /// Sectors whose uncovered bytes become blank (`--full`); empty otherwise.
    let blankSectors: [Range<UInt64>]

    init(plan: FlashPlan, base: UInt64, end: UInt64, erased: UInt8) {
        self.base = base
        self.end = end
        self.erased = erased
        pieces = plan.steps.flatMap(\.pieces)
        blankSectors = plan.options.full ? plan.steps.map { $0.sector.start..<$0.sector.end } : []
    }

    func blanked(_ address: UInt64) -> Bool { blankSectors.contains { $0.contains(address) } }

    /// The parts of `range` no image piece covers.
    func uncovered(_ range: Range<UInt64>) -> [Range<UInt64>] {
        var gaps: [Range<UInt64>] = []
        var cursor = range.lowerBound
        for piece in pieces where piece.overlaps(range) {
            if piece.lowerBound > cursor { gaps.append(cursor..<piece.lowerBound) }
            cursor = max(cursor, piece.upperBound)
        }
        if cursor < range.upperBound { gaps.append(cursor..<range.upperBound) }
        return gaps
    }

    /// What the flash must hold in `range`: image bytes, else the kept device bytes, else blank.
    func wanted(_ range: Range<UInt64>, source: FlashSource, kept: KeptBytes) throws(FlashError) -> [UInt8] {
        var bytes = [UInt8](repeating: erased, count: range.count)
        kept.copy(into: &bytes, at: range)
        for piece in pieces where piece.overlaps(range) {
            let part = max(piece.lowerBound, range.lowerBound)..<min(piece.upperBound, range.upperBound)
            let data: [UInt8]
            do { data = try source.read(part) } catch { throw .sourceFailed(part, underlying: error) }
            guard data.count == part.count else {
                throw .sourceFailed(part, underlying: FlashSourceShortRead(expected: part.count, got: data.count))
            }
            let offset = Int(part.lowerBound - range.lowerBound)
            bytes.replaceSubrange(offset..<(offset + data.count), with: data)
        }
        return bytes
    }
}

/// Device bytes the image does not cover, in address order.
struct KeptBytes {
    private(set) var runs: [(range: Range<UInt64>, bytes: [UInt8])] = []

    mutating func append(_ range: Range<UInt64>, _ bytes: ArraySlice<UInt8>) {
        if let last = runs.indices.last, runs[last].range.upperBound == range.lowerBound {
            runs[last].range = runs[last].range.lowerBound..<range.upperBound
            runs[last].bytes.append(contentsOf: bytes)
        } else {
            runs.append((range, Array(bytes)))
        }
    }

    func copy(into buffer: inout [UInt8], at range: Range<UInt64>) {
        for run in runs where run.range.overlaps(range) {
            let part = max(run.range.lowerBound, range.lowerBound)..<min(run.range.upperBound, range.upperBound)
            let from = Int(part.lowerBound - run.range.lowerBound)
            let to = Int(part.lowerBound - range.lowerBound)
            buffer.replaceSubrange(to..<(to + part.count), with: run.bytes[from..<(from + part.count)])
        }
    }
}
