import BoardCatalog

extension FlashExecutor {
    /// Flashes through a stream-only programmer (plain DFU): no addresses, no erase command, one download from
    /// `base` that erases each sector as it reaches it. The core still decides what the flash must hold:
    /// the span from `base` to the end of the last touched sector is read back, overlaid with the image (or
    /// with blank in the touched sectors under `--full`), skipped when the device already holds it, else
    /// written in one pass and verified by read-back.
    ///
    /// Memory is the size of that span, not constant: a plain DFU device cannot be written at an offset, so
    /// every byte from `base` must be sent again.
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
        let end = last.sector.end
        let count = Int(end - base)
        for step in plan.steps { events(.comparing(step.sector)) }
        let current = try read(base, count: count, report: &report)
        var wanted = current
        for step in plan.steps {
            report.sectorsTouched += 1
            if plan.options.full {
                let range = Int(step.sector.start - base)..<Int(step.sector.end - base)
                wanted.replaceSubrange(range, with: [UInt8](repeating: step.region.erased, count: range.count))
            }
            for piece in step.pieces {
                let bytes: [UInt8]
                do { bytes = try source.read(piece) } catch { throw .sourceFailed(piece, underlying: error) }
                guard bytes.count == piece.count else {
                    let short = FlashSourceShortRead(expected: piece.count, got: bytes.count)
                    throw .sourceFailed(piece, underlying: short)
                }
                let offset = Int(piece.lowerBound - base)
                wanted.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            }
        }
        if wanted == current {
            report.sectorsSkipped = plan.steps.count
            for step in plan.steps { events(.skipped(step.sector)) }
            events(.finished(report))
            return report
        }
        // No sector counts as skipped once anything changes: the device erases and rewrites every one it reaches.
        try writeStream(wanted, base: base, plan: plan, report: &report)
        if plan.options.verify || state.retries > 0 {
            for step in plan.steps { events(.verifying(step.sector)) }
            let actual = try read(base, count: count, report: &report)
            if let index = zip(actual, wanted).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                throw .verifyMismatch(address: base + UInt64(index), expected: wanted[index], actual: actual[index])
            }
            report.bytesVerified += UInt64(count)
        }
        report.retries = state.retries
        events(.finished(report))
        return report
    }

    /// The one download; every sector from `base` to the end is erased and programmed by the device.
    private func writeStream(_ wanted: [UInt8], base: UInt64, plan: FlashPlan, report: inout FlashReport)
        throws(FlashError)
    {
        let end = base + UInt64(wanted.count)
        let sectors = plan.steps.first.map { step in
            step.region.sectorList.filter { $0.start < end && $0.end > base }.count
        } ?? 0
        state.changing = base..<end
        var reached = 0
        try attempt("write", at: base + UInt64(reached)) {
            reached = 0
            try target.writeStream(
                count: wanted.count, bytes: { Array(wanted[$0]) },
                written: { offset in
                    state.written += UInt64(offset - reached)
                    reached = offset
                    events(.writing(address: base + UInt64(offset), count: 0, done: UInt64(offset),
                                    total: UInt64(wanted.count)))
                })
        }
        report.bytesWritten += UInt64(wanted.count)
        report.sectorsErased += sectors
        report.sectorsProgrammed += sectors
    }
}
