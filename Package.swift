// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Synclet",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "synclet", targets: ["synclet"]),
        .executable(name: "extract", targets: ["extract"]),
        .executable(name: "transform", targets: ["transform"]),
        .executable(name: "load", targets: ["load"]),
        .executable(name: "onesaas-sim", targets: ["onesaas-sim"]),
        .executable(name: "qbo-sim", targets: ["qbo-sim"]),
        .library(name: "SyncletCore", targets: ["SyncletCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // MariaDB Connector/C, found through pkg-config (libmariadb-dev / mariadb-connector-c-devel).
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"]), .yum(["mariadb-connector-c-devel"])]
        ),
        // Process control that Swift cannot call directly (variadic prctl).
        .target(name: "CSyncletSupport"),
        // A small, general Swift wrapper over Connector/C: connections, prepared statements, errors.
        .target(name: "MariaDB", dependencies: ["CMariaDB"]),
        // Everything the stages share: configuration, the endpoint client, staging, the canonical
        // model, transform, load and the pipeline runner.
        .target(
            name: "SyncletCore",
            dependencies: [
                "MariaDB",
                "CSyncletSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The HTTP plumbing the two simulators share (server bootstrap, request collection, form decoding,
        // the executables' start-up). Never used by SyncletCore: the simulators share no code with the client.
        .target(
            name: "SimulatorHTTP",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The fake OneSaas Connect store used by `make demo`, the tests and the benchmark.
        .target(
            name: "OneSaasSimulator",
            dependencies: [
                "SimulatorHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The fake QuickBooks Online company (OAuth, the v3 API, UK VAT, faults) for the push's tests,
        // `make demo` and `make bench`. Like OneSaasSimulator it shares no code with SyncletCore.
        .target(
            name: "QuickBooksSimulator",
            dependencies: [
                "SimulatorHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The options and help every Synclet executable shares.
        .target(name: "SyncletCommandLine", dependencies: ["SyncletCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "extract", dependencies: ["SyncletCore", "SyncletCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "transform", dependencies: ["SyncletCore", "SyncletCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "load", dependencies: ["SyncletCore", "SyncletCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "synclet", dependencies: ["SyncletCore", "SyncletCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "synclet-bench", dependencies: ["SyncletCore", "MariaDB", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "onesaas-sim", dependencies: ["OneSaasSimulator", "SimulatorHTTP", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "qbo-sim", dependencies: ["QuickBooksSimulator", "SimulatorHTTP", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "MariaDBTests", dependencies: ["MariaDB"]),
        .testTarget(name: "OneSaasSimulatorTests", dependencies: ["OneSaasSimulator"]),
        .testTarget(name: "QuickBooksSimulatorTests", dependencies: ["QuickBooksSimulator"]),
        .testTarget(name: "SyncletCoreTests", dependencies: ["SyncletCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EndToEndTests", dependencies: ["SyncletCore", "MariaDB"]),
        // Rebuilds simulated stores as QuickBooks documents: the simulator's generator drives the document builder.
        .testTarget(name: "QuickBooksTests", dependencies: ["SyncletCore", "OneSaasSimulator"]),
    ],
    swiftLanguageModes: [.v6]
)
