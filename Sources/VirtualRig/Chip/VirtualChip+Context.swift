extension VirtualChip {
    /// The chip behind a probe model (`stlink:bluepill`, `cmsis-dap:nrf52840dk`): built from the context's board
    /// and clock, its flash loaded from `--state` when there is one. `persist` saves it (nil without `--state`);
    /// the registry calls it as it does for the bootloader models.
    ///
    /// ```swift
    /// static func makeSTLink(_ context: VirtualDeviceContext) throws -> USBDeviceModel {
    ///     let (chip, persist) = try VirtualChip.make(for: context)
    ///     let model = VirtualSTLink(chip: chip, serial: context.serial)
    ///     model.persist = persist
    ///     return model
    /// }
    /// ```
    public static func make(
        for context: VirtualDeviceContext
    ) throws -> (chip: VirtualChip, persist: (() throws -> Void)?) {
        // The state name is the serial (plus the port for twins): distinct per device, the same on every run.
        let chip = try VirtualChip(board: context.board, clock: context.clock, identitySeed: context.stateName)
        guard let store = context.store else { return (chip, nil) }
        let path = store.path(kind: context.spec.kind, board: context.board.id, serial: context.stateName)
        try store.load(into: chip.flash, path: path)
        // A probe's first look at a chip loaded from state finds the firmware's reset state, as after power-on.
        chip.reset()
        return (chip, { try store.save(chip.flash, path: path) })
    }
}
