import BoardCatalog
import Testing

@testable import VirtualRig

@Suite struct DfuSeLayoutTests {
    @Test func stm32f407LayoutMatchesTheROMBootloader() throws {
        let board = try Fixtures.repositoryCatalog().board("stm32f4-discovery")
        let model = try DfuSeBootloader(chip: board.chip, serial: "X", clock: VirtualClock(timeScale: 0))
        #expect(model.segments.map(\.layoutString) == [
            "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
            "@Option Bytes  /0x1FFFC000/01*016 g",
            "@OTP Memory /0x1FFF7800/01*512 g,01*016 g",
            "@Device Feature/0xFFFF0000/01*004 g",
        ])
        #expect(model.strings[4] == "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
    }

    @Test func layoutFollowsTheChipFileSectorMap() throws {
        let model = try DfuSeBootloader(chip: try Fixtures.testBoard().chip, serial: "X",
                                        clock: VirtualClock(timeScale: 0))
        #expect(model.segments.map(\.layoutString) == [
            "@Internal Flash  /0x08000000/04*001Kg,02*004Kg",
            "@Option Bytes  /0x1FFFF800/01*016 g",
        ])
    }

    @Test func descriptorsDeclareDfuSeWithOneAltPerSegment() throws {
        let model = try DfuSeBootloader(chip: try Fixtures.testBoard().chip, serial: "X",
                                        clock: VirtualClock(timeScale: 0))
        let device = model.deviceDescriptor
        #expect(device.count == 18)
        #expect(Array(device[8...13]) == [0x83, 0x04, 0x11, 0xDF, 0x00, 0x22])
        let config = model.configurationDescriptor
        #expect(Int(config[2]) | Int(config[3]) << 8 == config.count)
        #expect(config.count == 9 + 2 * 9 + 9)
        #expect(Array(config.suffix(9)) == [9, 0x21, 0x0B, 255, 0, 0x00, 0x08, 0x1A, 0x01])
    }

    @Test func boardWithoutDfuSeBootloaderIsRefused() throws {
        let catalog = try Fixtures.repositoryCatalog()
        #expect(throws: VirtualRigError.self) {
            _ = try VirtualRig(specs: [DeviceSpec(kind: "dfuse", board: "bluepill")], catalog: catalog,
                               options: .init(timeScale: 0))
        }
    }
}
