import BoardCatalog

extension FlashExecutor {
    /// Flashes through a programmer that can erase only the whole chip (an AVR over ISP has Chip Erase and no
    /// page erase: picoboot-usbasp.md B4). Every touched sector is compared first; when each one can be written
    /// by only clearing bits (or is already right) nothing is erased. Otherwise the chip is erased once and all
    /// of it is written again: the touched sectors as the image over what they held (blank with `--full`), and
    /// every other sector of the erased regions as it was, read before the erase so nothing outside the image
    /// is lost.
    ///
    /// This holds the erased regions in memory while it works, which is right for the small chips that only
    /// have a chip erase (32 KiB on the ATmega328P) and why sector-erasing programmers never come here.
    func runMassEraseOnly(_ plan: FlashPlan, source: FlashSource) throws(FlashError) -> FlashReport {
        var report = FlashReport()
        var done: UInt64 = 0
        let total = plan.imageBytes
        events(.planned(sectors: plan.steps.count, imageBytes: total))
        var sectors: [(step: FlashPlan.Step, wanted: [UInt8], update: SectorUpdate)] = []
        var needsErase = false
        // When the image covers every sector of its regions, a chip erase keeps nothing, so once one sector must
        // change the rest need no compare: reading them would cost as much as writing them (on a blank chip too).
        let replacesAll = replacesWholeRegions(plan)
        for step in plan.steps {
            report.sectorsTouched += 1
            let wanted = try wantedBytes(step, source: source, plan: plan, report: &report)
            // Once the chip must be erased every touched sector is written from what it must hold, so the rest
            // need no compare: only the bytes they keep are read (by `wantedBytes`, for sectors not covered).
            if needsErase {
                sectors.append((step, wanted.bytes, SectorUpdate(action: .eraseAndProgram, writes: [])))
                continue
            }
            let update = try compare(step, wanted: wanted, report: &report)
            needsErase = update.action == .eraseAndProgram || (replacesAll && update.action != .skip)
            sectors.append((step, wanted.bytes, update))
        }
        if sectors.contains(where: { $0.update.action == .eraseAndProgram }) {
            guard target.capabilities.canMassErase else {
                throw .unsupported("this programmer can erase neither sectors nor the whole chip, and "
                    + "\(hex(sectors.first { $0.update.action == .eraseAndProgram }?.step.sector.start ?? 0)) "
                    + "needs an erase; erase the chip another way first")
            }
            return try rewriteAfterMassErase(plan, sectors: sectors.map { ($0.step, $0.wanted) }, report: report)
        }
        for (step, wanted, update) in sectors {
            state.retriedInStep = false
            guard update.action == .program else {
                report.sectorsSkipped += 1
                events(.skipped(step.sector))
                done += step.imageBytes
                continue
            }
            state.changing = step.sector.start..<step.sector.end
            try write(update.writes, of: wanted, step: step, report: &report, progress: (done, total))
            done += step.imageBytes
            report.sectorsProgrammed += 1
            if plan.options.verify || state.retriedInStep { try verify(step, wanted: wanted, report: &report) }
        }
        report.retries = state.retries
        events(.finished(report))
        return report
    }

    /// True when the plan fully covers every sector of every region it touches.
    private func replacesWholeRegions(_ plan: FlashPlan) -> Bool {
        guard plan.steps.allSatisfy(\.coversSector) || plan.options.full else { return false }
        var regions: [MemoryRegion] = []
        for step in plan.steps where !regions.contains(step.region) { regions.append(step.region) }
        return regions.allSatisfy { region in
            plan.steps.filter { $0.region == region }.count == region.sectorList.count
        }
    }

    /// Reads every sector of the touched regions that the image does not touch, erases the chip, and writes
    /// back every sector that is not blank: the touched ones as wanted, the others as they were.
    private func rewriteAfterMassErase(
        _ plan: FlashPlan, sectors touched: [(step: FlashPlan.Step, wanted: [UInt8])], report start: FlashReport
    ) throws(FlashError) -> FlashReport {
        var report = start
        let total = plan.imageBytes
        var regions: [MemoryRegion] = []
        for (step, _) in touched where !regions.contains(step.region) { regions.append(step.region) }
        var contents: [(step: FlashPlan.Step, bytes: [UInt8])] = []
        for region in regions {
            for sector in region.sectorList {
                if let known = touched.first(where: { $0.step.region == region && $0.step.sector == sector }) {
                    contents.append((known.step, known.wanted))
                } else {
                    let kept = try read(sector.start, count: Int(sector.size), report: &report)
                    contents.append((FlashPlan.Step(region: region, sector: sector, pieces: []), kept))
                }
            }
        }
        let first = regions.map(\.start).min() ?? 0
        state.changing = first..<(regions.map(\.end).max() ?? first)
        if let sector = regions.first?.sectorList.first { events(.erasing(sector)) }
        try attempt("mass erase", at: first) { try target.massErase() }
        report.massErased = true
        report.sectorsErased = contents.count
        var done: UInt64 = 0
        for (step, bytes) in contents {
            state.retriedInStep = false
            let blank = [UInt8](repeating: step.region.erased, count: bytes.count)
            let update = SectorUpdate(sector: step.sector, current: blank, wanted: bytes,
                                      writeUnit: step.region.writeUnit, erased: step.region.erased)
            guard update.action == .program else { continue }
            try write(update.writes, of: bytes, step: step, report: &report, progress: (done, total))
            done += step.imageBytes
            report.sectorsProgrammed += 1
            if plan.options.verify || state.retriedInStep { try verify(step, wanted: bytes, report: &report) }
        }
        report.retries = state.retries
        events(.finished(report))
        return report
    }
}
