import BoardCatalog
import Testing

@testable import Flash

let f4Flash = MemoryRegion(
    name: "flash", kind: .flash, start: 0x0800_0000, size: 1 << 20,
    sectors: [SectorGroup(size: 16 << 10, count: 4), SectorGroup(size: 64 << 10, count: 1), SectorGroup(size: 128 << 10, count: 7)],
    writeUnit: 4)
let f4Memory = [f4Flash, MemoryRegion(name: "sram", kind: .ram, start: 0x2000_0000, size: 128 << 10)]

@Suite struct FlashPlannerTests {
    let planner = FlashPlanner(memory: f4Memory)

    @Test func aSmallImageTouchesOneSector() throws {
        let plan = try planner.plan([0x0800_0000..<0x0800_0100])
        #expect(plan.steps.map(\.sector.index) == [0])
        #expect(plan.steps[0].pieces == [0x0800_0000..<0x0800_0100])
        #expect(!plan.steps[0].coversSector)
    }

    @Test func rangesAreSplitAtNonUniformSectorBoundaries() throws {
        // From the last 16K sector, across the 64K sector, into the first 128K sector.
        let plan = try planner.plan([0x0800_C000..<0x0802_0010])
        #expect(plan.steps.map(\.sector.index) == [3, 4, 5])
        #expect(plan.steps.map(\.imageBytes) == [16 << 10, 64 << 10, 16])
        #expect(plan.steps[0].coversSector && plan.steps[1].coversSector)
    }

    @Test func twoRangesInOneSectorShareAStep() throws {
        let plan = try planner.plan([0x0800_0000..<0x0800_0010, 0x0800_0100..<0x0800_0200, 0x0800_4000..<0x0800_4004])
        #expect(plan.steps.count == 2)
        #expect(plan.steps[0].pieces.count == 2)
        #expect(plan.imageBytes == 0x10 + 0x100 + 4)
    }

    @Test func bytesOutsideFlashAreRefusedNamingTheRange() {
        #expect {
            try planner.plan([0x080F_FF00..<0x0810_0010])
        } throws: { error in
            guard case FlashError.outsideFlash(let range, let nearest) = error else { return false }
            return range == 0x0810_0000..<0x0810_0010 && nearest?.name == "flash"
                && "\(error)".contains("16 image bytes at 0x08100000..0x0810000F")
        }
    }

    @Test func ramIsNotAFlashTarget() {
        #expect(throws: FlashError.self) { try planner.plan([0x2000_0000..<0x2000_0010]) }
    }
}

@Suite struct SectorUpdateTests {
    let sector = Sector(index: 0, start: 0x100, size: 8)

    func update(current: [UInt8], wanted: [UInt8], unit: Int = 2) -> SectorUpdate {
        SectorUpdate(sector: sector, current: current, wanted: wanted, writeUnit: unit, erased: 0xFF)
    }

    @Test func identicalContentIsSkipped() {
        #expect(update(current: [1, 2, 3, 4, 5, 6, 7, 8], wanted: [1, 2, 3, 4, 5, 6, 7, 8]).action == .skip)
    }

    @Test func writingIntoErasedUnitsNeedsNoErase() {
        let result = update(current: [1, 2, 0xFF, 0xFF, 0xFF, 0xFF, 7, 8], wanted: [1, 2, 3, 0xFF, 5, 6, 7, 8])
        #expect(result.action == .program)
        #expect(result.writes == [0x102..<0x106])
    }

    @Test func changingAProgrammedUnitErasesAndRewritesEverythingNotBlank() {
        let result = update(current: [1, 2, 0xFF, 0xFF, 0xFF, 0xFF, 7, 8], wanted: [9, 2, 0xFF, 0xFF, 0xFF, 0xFF, 7, 8])
        #expect(result.action == .eraseAndProgram)
        #expect(result.writes == [0x100..<0x102, 0x106..<0x108])
    }

    @Test func aPartlyProgrammedUnitCountsAsNotErased() {
        // STM32F1 refuses to program a half-word that is not 0xFFFF even if only clearing bits.
        let result = update(current: [0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], wanted: [0x00, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(result.action == .eraseAndProgram)
    }
}
