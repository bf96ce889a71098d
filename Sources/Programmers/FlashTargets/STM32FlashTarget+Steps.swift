/// The register-level steps of `STM32FlashTarget`: unlocking, waiting on BSY.
extension STM32FlashTarget {
    /// Waits out a previous operation, clears stale flags, and unlocks the controller once. `quick` skips the
    /// wait and the clearing once unlocked: every erase and program waits for BSY and fails on error flags itself,
    /// so between two of ours there is nothing to wait for or clear.
    func prepare(quick: Bool = false) throws {
        if quick && unlocked { return }
        try waitWhileBusy("flash controller", at: controller.statusRegister, timeout: .seconds(2))
        try probe.write32(controller.statusRegister, controller.clearFlags)
        guard !unlocked else { return }
        if try probe.read32(controller.controlRegister) & controller.lockBit != 0 {
            for key in STM32FlashController.keys { try probe.write32(controller.keyRegister, key) }
            let control = try probe.read32(controller.controlRegister)
            guard control & controller.lockBit == 0 else {
                throw DebugError.loaderFailed(operation: "unlocking the flash controller",
                                               address: controller.controlRegister,
                                               detail: "FLASH_CR still reads \(hexWord(control)) with LOCK set; "
                                                   + "reset the board (a wrong key locks it until reset) and retry")
            }
        }
        unlocked = true
    }

    func finishOperation(_ operation: String, at address: UInt32, timeout: Duration) throws {
        let status = try waitWhileBusy(operation, at: address, timeout: timeout)
        try probe.write32(controller.controlRegister, 0)
        if status & controller.errorBits != 0 {
            throw DebugError.flashError(operation: operation, address: address, status: status,
                                         errors: controller.errorNames(status))
        }
    }

    @discardableResult
    func waitWhileBusy(_ operation: String, at address: UInt32, timeout: Duration) throws -> UInt32 {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var pause = Duration.microseconds(200)
        while true {
            let status = try probe.read32(controller.statusRegister)
            if status & controller.busyBit == 0 { return status }
            if clock.now >= deadline {
                throw DebugError.loaderFailed(operation: operation, address: address,
                                               detail: "the flash controller stayed busy (FLASH_SR \(hexWord(status)))"
                                                   + "; power-cycle the board and retry")
            }
            probe.sleep(pause)
            pause = min(pause * 2, .milliseconds(2))
        }
    }
}
