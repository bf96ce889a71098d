import FirmwareImage
import Testing

/// Randomly damaged files must end in an error or an image, never a crash or a trap: a cheap, deterministic
/// stand-in for the fuzzers of issue 13, run on every `swift test`.
@Suite struct MutationTests {
    /// A fixed-seed generator, so a failure reproduces.
    struct Generator {
        var state: UInt64

        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(max(1, bound)))
        }
    }

    @Test(arguments: ImageFormat.allCases)
    func damagedFilesNeverCrash(format: ImageFormat) throws {
        let image = try FirmwareImage(segments: [
            Segment(address: 0x0800_0000, bytes: (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }),
            Segment(address: 0x0801_0003, bytes: [1, 2, 3, 4, 5]),
        ], entry: 0x0800_0101)
        let options = WriteOptions(uf2: UF2.Options(familyID: 0xE48B_FF56))
        let original = try image.encoded(as: format, options: options)
        var generator = Generator(state: 0xA7E1_1E12 ^ UInt64(format.rawValue.count))
        var outcomes = (images: 0, errors: 0)
        // Interesting bytes for hostile values: counts, sizes, addresses at their limits.
        let specials: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x3A, 0x53, 0x30, 0x39, 0x0A, 0x0D]
        for round in 0..<1500 {
            var damaged = original
            if round % 10 == 0 {
                damaged.removeLast(generator.next(damaged.count))
            } else {
                for _ in 0...generator.next(4) {
                    let position = generator.next(damaged.count)
                    damaged[position] = round % 3 == 0 ? specials[generator.next(specials.count)]
                        : UInt8(truncatingIfNeeded: generator.next(256))
                }
            }
            let source = MemoryByteSource(name: "damaged.\(format.rawValue)", bytes: damaged)
            do {
                let read = try FirmwareImage.read(from: source, options: ReadOptions(format: format, base: 0))
                #expect(read.image.totalSize <= UInt64(damaged.count))
                outcomes.images += 1
            } catch {
                #expect(!error.description.isEmpty)
                outcomes.errors += 1
            }
        }
        if format == .bin {
            // Any bytes are a valid raw binary.
            #expect(outcomes.errors == 0)
        } else {
            // Both paths ran: damage was detected, and some damage (a changed data byte) still read.
            #expect(outcomes.errors > 0 && outcomes.images > 0)
        }
    }
}
