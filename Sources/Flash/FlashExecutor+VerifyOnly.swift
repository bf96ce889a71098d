import BoardCatalog

extension FlashExecutor {
    /// Compares the device with the image without writing anything: `atelier flash --verify-only`.
    /// Throws `verifyMismatch` at the first differing byte.
    @discardableResult
    public func verifyOnly(_ plan: FlashPlan, source: FlashSource) throws(FlashError) -> FlashReport {
        state.reset()
        var report = FlashReport()
        events(.planned(sectors: plan.steps.count, imageBytes: plan.imageBytes))
        for step in plan.steps {
            report.sectorsTouched += 1
            events(.verifying(step.sector))
            for piece in step.pieces {
                let expected: [UInt8]
                do { expected = try source.read(piece) } catch { throw .sourceFailed(piece, underlying: error) }
                var offset = 0
                while offset < expected.count {
                    let count = min(target.capabilities.maxTransferSize, expected.count - offset)
                    let address = piece.lowerBound + UInt64(offset)
                    let actual = try attempt("read", at: address) { try target.read(address: address, count: count) }
                    for index in 0..<count where index >= actual.count || actual[index] != expected[offset + index] {
                        throw .verifyMismatch(address: address + UInt64(index), expected: expected[offset + index],
                                              actual: index < actual.count ? actual[index] : 0)
                    }
                    offset += count
                    report.bytesRead += UInt64(count)
                    report.bytesVerified += UInt64(count)
                }
            }
        }
        report.retries = state.retries
        events(.finished(report))
        return report
    }
}
