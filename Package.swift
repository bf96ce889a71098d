// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "atelier",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "atelier", targets: ["atelier"]),
        .executable(name: "atelier-rig", targets: ["atelier-rig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The thin command line: argument parsing and output only.
        .executableTarget(
            name: "atelier",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "BoardCatalog", "FirmwareImage", "Scaffold", "Build", "USB", "Flash", "Programmers", "Provisioning",
                "Rig",
            ]
        ),
        .target(name: "BoardCatalog", dependencies: ["Yams"]),
        .target(name: "FirmwareImage", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "Scaffold",
            dependencies: ["BoardCatalog", .product(name: "Mustache", package: "swift-mustache")]
        ),
        .target(
            name: "Build",
            dependencies: ["BoardCatalog", "FirmwareImage", "Yams", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "Flash", dependencies: ["BoardCatalog", "FirmwareImage"]),
        // The loaders' assembly sources sit beside their bytes; a test re-assembles them.
        .target(name: "Programmers", dependencies: ["USB", "BoardCatalog", "Flash"], exclude: ["FlashTargets/Loaders"]),
        // Batch provisioning: per-unit identity and the ledger. The device side stays behind FlashTarget.
        .target(
            name: "Provisioning",
            dependencies: [
                "Flash", "FirmwareImage", "BoardCatalog", "Yams",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // Test rigs: rig files, slot leases, parallel runs and their JUnit/JSON reports.
        .target(name: "Rig", dependencies: ["BoardCatalog", "FirmwareImage", "Flash", "Programmers", "USB", "Yams"]),
        .systemLibrary(
            name: "CLibUSB", pkgConfig: "libusb-1.0",
            providers: [.apt(["libusb-1.0-0-dev"])]
        ),
        .target(name: "USB", dependencies: ["CLibUSB"]),

        // The virtual rig: emulated hardware below the USB boundary. The product never imports it.
        .systemLibrary(
            name: "CUMockdev", pkgConfig: "umockdev-1.0",
            providers: [.apt(["libumockdev-dev"])]
        ),
        // C glue for the GObject signal and usbdevfs URB plumbing; device behaviour stays in Swift.
        .target(name: "CUMockdevShim", dependencies: ["CUMockdev"]),
        // Unicorn runs the emulated Cortex-M cores of the virtual rig's chips (Debian libunicorn-dev). No pkgConfig on
        // purpose: its -lunicorn would put libunicorn's private GLib copy ahead of the real GLib that umockdev uses,
        // in the global symbol scope, and crash the rig; shim.h loads libunicorn.so.2 with dlopen instead.
        .systemLibrary(name: "CUnicorn", providers: [.apt(["libunicorn-dev"])]),
        .target(
            name: "VirtualRig", dependencies: ["CUMockdev", "CUMockdevShim", "CUnicorn", "BoardCatalog"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "atelier-rig",
            dependencies: ["VirtualRig", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),

        .testTarget(name: "BoardCatalogTests", dependencies: ["BoardCatalog"]),
        .testTarget(name: "FirmwareImageTests", dependencies: ["FirmwareImage", "BoardCatalog"]),
        // Helpers the test suites share; never linked into a product.
        .target(name: "AtelierTestSupport", dependencies: ["BoardCatalog"]),
        .testTarget(name: "ScaffoldTests", dependencies: ["Scaffold", "BoardCatalog", "AtelierTestSupport"]),
        .testTarget(
            name: "BuildTests", dependencies: ["Build", "Scaffold", "BoardCatalog", "FirmwareImage", "AtelierTestSupport"]
        ),
        .testTarget(name: "USBTests", dependencies: ["USB"]),
        .testTarget(name: "FlashTests", dependencies: ["Flash", "BoardCatalog"]),
        .testTarget(
            name: "ProvisioningTests",
            dependencies: [
                "Provisioning", "Flash", "BoardCatalog", "AtelierTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "ProgrammersTests", dependencies: ["Programmers", "Flash", "BoardCatalog", "USB"]),
        .testTarget(name: "RigTests", dependencies: ["Rig", "BoardCatalog", "USB"]),
        .testTarget(name: "VirtualRigTests", dependencies: ["VirtualRig", "BoardCatalog"]),
        .testTarget(name: "PeerTests", dependencies: ["BoardCatalog", "FirmwareImage"]),
        .testTarget(
            name: "AtelierCLITests", dependencies: ["BoardCatalog", "FirmwareImage", "Provisioning", "AtelierTestSupport"]
        ),
    ]
)

// libFuzzer targets, one per parser (Fuzz/README.md). Declared only when ATELIER_FUZZ is set, because they link
// libFuzzer's driver and build only with `--sanitize=fuzzer`; `make fuzz` sets it.
if Context.environment["ATELIER_FUZZ"] != nil {
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Sources/FuzzSupport"))
    package.targets.append(
        .target(name: "FuzzImage", dependencies: ["FuzzSupport", "FirmwareImage"], path: "Fuzz/Sources/FuzzImage"))
    let fuzzers: [(name: String, dependencies: [Target.Dependency])] = [
        ("fuzz-ihex", ["FuzzImage"]), ("fuzz-srec", ["FuzzImage"]), ("fuzz-elf", ["FuzzImage"]),
        ("fuzz-uf2", ["FuzzImage"]), ("fuzz-board", ["BoardCatalog"]), ("fuzz-chip", ["BoardCatalog"]),
        ("fuzz-manifest", ["Build"]), ("fuzz-rig", ["Rig"]), ("fuzz-batch", ["Provisioning"]),
        ("fuzz-identity", ["Provisioning", "Flash"]),
    ]
    for fuzzer in fuzzers {
        package.targets.append(.executableTarget(
            name: fuzzer.name, dependencies: ["FuzzSupport"] + fuzzer.dependencies, path: "Fuzz/Sources/\(fuzzer.name)"))
    }
}
