import BoardCatalog

extension VirtualChip {
    /// The devices of the private peripheral bus and the vendor peripherals the rig models, by chip family.
    func addPeripherals() {
        let isV6M = chip.core.isARMv6M
        let isM4 = chip.core == .cortexM4 || chip.core == .cortexM4F || chip.core == .cortexM7
        // SYST_CALIB: TENMS for 1 ms of the reference clock (HCLK/8 on STM32), reference present.
        let reference = (board?.clockHz ?? 8_000_000) / 8
        let tick = SysTick(calibration: UInt32(truncatingIfNeeded: min(reference / 1_000, 0xFF_FFFF)))
        tick.onInterrupt = { [unowned self] in pend(Exception.sysTick) }
        sysTick = tick
        let control = SystemControlSpace(chip: self, core: chip.core, sysTick: tick)
        scs = control
        devices.add(control, at: 0xE000_E000..<0xE000_F000)

        // Component IDs as J-Link reads them on STM32F103 (M3 r1p1) and STM32F413 (M4 r0p1).
        let ids: [(CoreSightComponent.Kind, UInt32, UInt32, UInt32)] = [
            (.itm, 0xE000_0000, isM4 ? 0x003B_B001 : 0x001B_B001, 0xE),
            (.dwt, 0xE000_1000, isM4 ? 0x003B_B002 : 0x001B_B002, 0xE),
            (.fpb, 0xE000_2000, isM4 ? 0x002B_B003 : 0x000B_B003, 0xE),
            (.tpiu, 0xE004_0000, isM4 ? 0x000B_B9A1 : 0x001B_B923, 0x9),
            (.romTable, 0xE00F_F000, isM4 ? 0x000B_B4C4 : (isV6M ? 0x000B_B4C0 : 0x000B_B4C3), 0x1),
        ]
        for (kind, base, peripheralID, componentClass) in ids {
            let identity = CoreSightIdentity(peripheralID: peripheralID, componentClass: componentClass)
            let component = CoreSightComponent(kind: kind, identity: identity)
            if kind == .fpb { component.onBreakpointsChanged = { [unowned self] in core.setBreakpoints($0) } }
            devices.add(component, at: base..<(base + 0x1000))
        }
        if let idCode = chip.debug?.partIDCode, let address = chip.debug?.partIDAddress, address >= 0x4000_0000 {
            let base = UInt32(truncatingIfNeeded: address)
            devices.add(DBGMCU(idCode: idCode), at: base..<(base + 0x10))
        }
        if let controller = flashController {
            // The NVMC's registers reach offset 0x514; STM32 flash interfaces fit in 1 KiB.
            let size: UInt32 = controller is NRF52FlashController ? 0x1000 : 0x400
            devices.add(controller, at: controller.registerBase..<(controller.registerBase + size))
        }
        if let controller = flashController as? NRF52FlashController {
            controller.eraseUICR = { [unowned self] in eraseSecondaryFlash() }
            let gpio = NRFGPIO()
            connect(gpio)
            devices.add(gpio, at: 0x5000_0000..<0x5000_1000)
        }
        addSTM32Peripherals()
        addConsoleRegister()
    }

    private func addSTM32Peripherals() {
        let layout: STM32GPIO.Layout
        let gpioBase: UInt32
        let rccBase: UInt32
        let usarts: [UInt32]
        switch chip.flashController {
        case "stm32f1":
            (layout, gpioBase, rccBase) = (.f1, 0x4001_0800, 0x4002_1000)
            usarts = [0x4001_3800, 0x4000_4400, 0x4000_4800]
        case "stm32f4":
            (layout, gpioBase, rccBase) = (.f4, 0x4002_0000, 0x4002_3800)
            usarts = [0x4001_1000, 0x4000_4400, 0x4000_4800, 0x4001_1400]
        default:
            return
        }
        devices.add(STM32RCC(configurationOffset: layout.brr == nil ? 0x08 : 0x04), at: rccBase..<(rccBase + 0x400))
        for (index, port) in "ABCDEFGHIJK".enumerated() {
            let gpio = STM32GPIO(port: port, layout: layout)
            connect(gpio)
            let base = gpioBase + UInt32(index) * 0x400
            devices.add(gpio, at: base..<(base + 0x400))
        }
        for base in usarts {
            let usart = UARTDevice(statusOffset: 0x00, dataOffset: 0x04)
            usart.onByte = { [unowned self] byte in emitConsole([byte]) }
            devices.add(usart, at: base..<(base + 0x400))
        }
    }

    /// Pin changes become pin events, and LED events for the board's LEDs (after their active level).
    private func connect(_ gpio: AnyObject) {
        let leds = Dictionary(
            (board?.leds ?? []).map { ($0.pin.uppercased(), $0) }, uniquingKeysWith: { first, _ in first })
        let handler: (String, Bool) -> Void = { [unowned self] pin, high in
            emit(.pin(name: pin, high: high))
            if let led = leds[pin.uppercased()] { emit(.led(name: led.name, on: high != led.activeLow)) }
        }
        (gpio as? STM32GPIO)?.onPinChange = handler
        (gpio as? NRFGPIO)?.onPinChange = handler
    }

    /// A board whose console is a data register the family model does not cover gets a device for just that word.
    private func addConsoleRegister() {
        guard let board, board.console.kind == .uart, let address = board.console.dataRegister else { return }
        let data = UInt32(truncatingIfNeeded: address)
        if chip.flashController == "stm32f1" || chip.flashController == "stm32f4", data & 0x3FF == 0x04 { return }
        let uart = UARTDevice(statusOffset: nil, dataOffset: 0)
        uart.onByte = { [unowned self] byte in emitConsole([byte]) }
        devices.add(uart, at: (data & ~3)..<((data & ~3) + 4))
    }
}
