import BoardCatalog

/// Carries out a `FlashPlan` on a target one sector at a time, so memory stays the size of the largest sector
/// whatever the size of the image.
///
/// A device that stalls a request gets one more try of that operation; whatever a retried step wrote is then
/// verified even with `--no-verify`, so a retry ends verified or fails. A device that disappears or stops
/// answering ends the run with `FlashError.interrupted`, naming the address and what may be half-written.
public struct FlashExecutor {
    public var target: FlashTarget
    public var events: (FlashEvent) -> Void
    let state = RunState()

    public init(target: FlashTarget, events: @escaping (FlashEvent) -> Void = { _ in }) {
        self.target = target
        self.events = events
    }

    @discardableResult
    public func run(_ plan: FlashPlan, source: FlashSource) throws(FlashError) -> FlashReport {
        state.reset()
        if let base = target.capabilities.streamBase { return try runStream(plan, source: source, base: base) }
        if !target.capabilities.canEraseSectors, !plan.options.massErase {
            return try runMassEraseOnly(plan, source: source)
        }
        var report = FlashReport()
        var done: UInt64 = 0
        let total = plan.imageBytes
        events(.planned(sectors: plan.steps.count, imageBytes: total))
        if plan.options.massErase {
            guard target.capabilities.canMassErase else {
                throw .unsupported("this programmer cannot mass-erase; flash without --mass-erase")
            }
            state.changing = plan.steps.first.map { $0.sector.start..<(plan.steps.last?.sector.end ?? $0.sector.end) }
            try attempt("mass erase", at: plan.steps.first?.sector.start ?? 0) { try target.massErase() }
            report.massErased = true
        }
        for step in plan.steps {
            report.sectorsTouched += 1
            if !plan.options.massErase { state.changing = nil }
            state.retriedInStep = false
            let wanted = try wantedBytes(step, source: source, plan: plan, report: &report)
            let update = plan.options.massErase
                ? SectorUpdate(sector: step.sector, current: blank(step), wanted: wanted.bytes,
                               writeUnit: step.region.writeUnit, erased: step.region.erased)
                : try compare(step, wanted: wanted, report: &report)
            switch update.action {
            case .skip:
                report.sectorsSkipped += 1
                events(.skipped(step.sector))
                done += step.imageBytes
                continue
            case .eraseAndProgram:
                events(.erasing(step.sector))
                state.changing = step.sector.start..<step.sector.end
                try attempt("erase of sector \(step.sector.index)", at: step.sector.start) { try target.erase(sector: step.sector) }
                report.sectorsErased += 1
            case .program:
                break
            }
            state.changing = state.changing ?? step.sector.start..<step.sector.end
            try write(update.writes, of: wanted.bytes, step: step, report: &report, progress: (done, total))
            done += step.imageBytes
            report.sectorsProgrammed += 1
            // A retried step is verified even with --no-verify: a retry ends verified or fails.
            if plan.options.verify || state.retriedInStep { try verify(step, wanted: wanted.bytes, report: &report) }
        }
        report.retries = state.retries
        events(.finished(report))
        return report
    }

    /// The sector as it must be afterwards: the image over the device's bytes, or over blank with `--full`.
    func wantedBytes(
        _ step: FlashPlan.Step, source: FlashSource, plan: FlashPlan, report: inout FlashReport
    ) throws(FlashError) -> (bytes: [UInt8], current: [UInt8]?) {
        var current: [UInt8]?
        var wanted: [UInt8]
        if plan.options.full || plan.options.massErase || step.coversSector {
            wanted = blank(step)
        } else {
            let bytes = try read(step.sector.start, count: Int(step.sector.size), report: &report)
            current = bytes
            wanted = bytes
        }
        for piece in step.pieces {
            let bytes: [UInt8]
            do { bytes = try source.read(piece) } catch { throw .sourceFailed(piece, underlying: error) }
            guard bytes.count == piece.count else {
                throw .sourceFailed(piece, underlying: FlashSourceShortRead(expected: piece.count, got: bytes.count))
            }
            let offset = Int(piece.lowerBound - step.sector.start)
            wanted.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        }
        return (wanted, current)
    }

    /// Decides skip, program or erase, comparing by on-target checksum when the programmer offers one.
    func compare(
        _ step: FlashPlan.Step, wanted: (bytes: [UInt8], current: [UInt8]?), report: inout FlashReport
    ) throws(FlashError) -> SectorUpdate {
        events(.comparing(step.sector))
        var deviceSum: UInt32?
        if wanted.current == nil {
            deviceSum = try attempt("checksum", at: step.sector.start) {
                try target.checksum(address: step.sector.start, count: Int(step.sector.size))
            }
            if let deviceSum, deviceSum == FlashChecksum.crc32(wanted.bytes) {
                return SectorUpdate(action: .skip, writes: [])
            }
        }
        var current: [UInt8]
        if let known = wanted.current {
            current = known
        } else if let deviceSum, deviceSum == FlashChecksum.crc32(blank(step)) {
            // The target's checksum says the sector is erased: no need to read it back to know what to write.
            current = blank(step)
        } else {
            current = try read(step.sector.start, count: Int(step.sector.size), report: &report)
        }
        return SectorUpdate(sector: step.sector, current: current, wanted: wanted.bytes,
                            writeUnit: step.region.writeUnit, erased: step.region.erased)
    }

    func write(
        _ ranges: [Range<UInt64>], of wanted: [UInt8], step: FlashPlan.Step, report: inout FlashReport,
        progress: (before: UInt64, total: UInt64)
    ) throws(FlashError) {
        let sector = step.sector
        let chunk = target.capabilities.maxTransferSize
        var written: UInt64 = 0
        // Progress is in image bytes: writes include preserved bytes and skip blank ones, so scale them.
        let planned = max(1, ranges.reduce(UInt64(0)) { $0 + UInt64($1.count) })
        for range in ranges {
            var address = range.lowerBound
            while address < range.upperBound {
                let count = Int(min(UInt64(chunk), range.upperBound - address))
                let offset = Int(address - sector.start)
                let bytes = Array(wanted[offset..<(offset + count)])
                try attempt("program", at: address) { try target.program(address: address, bytes: bytes) }
                report.bytesWritten += UInt64(count)
                state.written += UInt64(count)
                written += UInt64(count)
                let done = progress.before + step.imageBytes * written / planned
                events(.writing(address: address, count: count, done: done, total: progress.total))
                address += UInt64(count)
            }
        }
    }

    func verify(_ step: FlashPlan.Step, wanted: [UInt8], report: inout FlashReport) throws(FlashError) {
        events(.verifying(step.sector))
        let sum = try attempt("checksum", at: step.sector.start) {
            try target.checksum(address: step.sector.start, count: Int(step.sector.size))
        }
        if let sum, sum == FlashChecksum.crc32(wanted) {
            report.bytesVerified += step.sector.size
            return
        }
        let actual = try read(step.sector.start, count: Int(step.sector.size), report: &report)
        if let index = zip(actual, wanted).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            throw .verifyMismatch(address: step.sector.start + UInt64(index), expected: wanted[index], actual: actual[index])
        }
        guard actual.count == wanted.count else {
            throw .verifyMismatch(address: step.sector.start + UInt64(actual.count), expected: wanted[actual.count], actual: 0)
        }
        report.bytesVerified += step.sector.size
    }

    func read(_ address: UInt64, count: Int, report: inout FlashReport) throws(FlashError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        let chunk = target.capabilities.maxTransferSize
        while bytes.count < count {
            let here = address + UInt64(bytes.count)
            let size = min(chunk, count - bytes.count)
            let part = try attempt("read", at: here) { try target.read(address: here, count: size) }
            guard part.count == size else {
                throw .targetFailed(operation: "read", address: here,
                                    underlying: FlashSourceShortRead(expected: size, got: part.count))
            }
            bytes += part
        }
        report.bytesRead += UInt64(count)
        return bytes
    }

    func blank(_ step: FlashPlan.Step) -> [UInt8] {
        [UInt8](repeating: step.region.erased, count: Int(step.sector.size))
    }

    /// Runs one programmer operation, turning its failure into a `FlashError`: a stall is retried once, a lost
    /// or silent device ends the run as `interrupted`, anything else is `targetFailed`.
    func attempt<T>(_ operation: String, at address: @autoclosure () -> UInt64, _ body: () throws -> T)
        throws(FlashError) -> T
    {
        // Where the first stall hit: the retry starts the operation over, so its own failure may lie earlier.
        var firstStall: UInt64?
        while true {
            do {
                return try body()
            } catch let error as FlashError {
                throw error
            } catch {
                let kind = (error as? FlashFailureClassifying)?.flashFailureKind ?? .other
                // The programmer may know the exact block; what it wrote of this call before that counts too.
                let start = address()
                let exact = (error as? FlashFailureClassifying)?.failedAddress ?? start
                if kind == .stalled, firstStall == nil {
                    firstStall = exact
                    state.retries += 1
                    state.retriedInStep = true
                    events(.retrying(operation: operation, address: exact, reason: "\(error)"))
                    continue
                }
                switch kind {
                case .disconnected, .timedOut, .stalled:
                    let reached = max(exact, firstStall ?? exact)
                    let partial = operation == "program" && reached > start ? reached - start : 0
                    throw .interrupted(FlashInterruption(
                        kind: kind, operation: operation, address: firstStall ?? exact,
                        bytesWritten: state.written + partial, changing: state.changing, underlying: error))
                case .refused, .other:
                    throw .targetFailed(operation: operation, address: start, underlying: error)
                }
            }
        }
    }
}

/// What one run has done so far, for retries and for the message when the device goes away.
final class RunState {
    var retries = 0
    var retriedInStep = false
    var written: UInt64 = 0
    /// The flash being erased or programmed now, which a failure may leave half-written.
    var changing: Range<UInt64>?

    func reset() {
        retries = 0
        retriedInStep = false
        written = 0
        changing = nil
    }
}

/// A read that returned fewer bytes than asked.
struct FlashSourceShortRead: Error, CustomStringConvertible {
    var expected: Int
    var got: Int
    var description: String { "expected \(expected) bytes, got \(got)" }
}
