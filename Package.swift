// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "kioskd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kioskd", targets: ["kioskd"]),
        .executable(name: "kioskd-bench", targets: ["kioskd-bench"]),
        .library(name: "KioskCore", targets: ["KioskCore"]),
        .library(name: "Scanner", targets: ["Scanner"]),
        .library(name: "Indicators", targets: ["Indicators"]),
        .library(name: "Labels", targets: ["Labels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Imported directly (NIOCore, NIOHTTP1, HTTPTypes), not only through the packages above.
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // libzbar 0.23 (Debian's libzbar-dev), wrapped as a system library: never copied.
        .systemLibrary(
            name: "CZBar",
            pkgConfig: "zbar",
            providers: [.apt(["libzbar-dev"])]
        ),
        // libpng (Debian's libpng-dev), to read PNG images for `scan-image`.
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        // libdmtx 0.7 (Debian's libdmtx-dev): GS1 DataMatrix on parts, which zbar 0.23 does not read.
        .systemLibrary(name: "CDmtx", pkgConfig: "libdmtx", providers: [.apt(["libdmtx-dev"])]),
        // libjpeg-turbo (Debian's libjpeg62-turbo-dev) and libexif: phone photos for `scan-image`,
        // turned as the camera was held.
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CExif", pkgConfig: "libexif", providers: [.apt(["libexif-dev"])]),
        // Kernel device interfaces Swift cannot call directly: evdev ioctls for HID scanners,
        // and a pseudo-terminal pair for testing serial scanners on a real tty.
        .systemLibrary(name: "CLinuxDevices"),
        // libgpiod 1.6 (Debian's libgpiod-dev), the v1 C API, for stack lights, buzzers and buttons.
        .systemLibrary(
            name: "CGPIOD",
            pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev"])]
        ),
        // libqrencode (Debian's libqrencode-dev): the QR code on job tickets.
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        // libzint (Debian's libzint-dev): Code 128 and GS1-128 on labels (zint ships no .pc file).
        .systemLibrary(name: "CZint", providers: [.apt(["libzint-dev"])]),
        // FreeType (Debian's libfreetype-dev): Chinese and English text on labels.
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        // Labels and tickets: layouts, barcodes, text, PNG/PDF/ZPL/ESC-POS, printers and the print queue service.
        .target(
            name: "Labels",
            dependencies: [
                "KioskCore", "CQREncode", "CZint", "CFreeType", "CPNG",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Sync with the store hub: the device's push client and service (async-http-client).
        .target(
            name: "Sync",
            dependencies: [
                "KioskCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The hub's ledger in PostgreSQL (postgres-nio), for a chain of stores sharing one database.
        .target(
            name: "PostgresHub",
            dependencies: [
                "KioskCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Domain types, the scan classifier, counter sessions and the GRDB store. No devices, no sockets.
        .target(
            name: "KioskCore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Scan sources (evdev HID, serial, stdin/FIFO, zbar images) merged into one stream of scan events.
        .target(
            name: "Scanner",
            dependencies: [
                "KioskCore",
                "CZBar",
                "CDmtx",
                "CPNG",
                "CJPEG",
                "CExif",
                "CLinuxDevices",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Stack lights, buzzers and buttons on GPIO lines: patterns, debounce, safe state;
        // libgpiod for real chips and a simulated backend for unit tests.
        .target(
            name: "Indicators",
            dependencies: [
                "KioskCore",
                "CGPIOD",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The pages (bay, counter, lobby, phone), the JSON API with its OpenAPI document,
        // live updates as server-sent events, and /healthz, on Hummingbird.
        .target(
            name: "KioskWeb",
            dependencies: [
                "KioskCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The executable: argument parsing, config, and the daemon's ServiceGroup.
        .executableTarget(
            name: "kioskd",
            dependencies: [
                "KioskCore",
                "Scanner",
                "Indicators",
                "KioskWeb",
                "Labels",
                "Sync",
                "PostgresHub",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The plain SQLite C API, as the benchmark's baseline.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Benchmarks, side by side with their baselines in one run; kept out of the test suite.
        .executableTarget(name: "kioskd-bench", dependencies: [
            "KioskCore", "CSQLite", "CZBar", "Scanner", "Labels", "KioskWeb", "Sync", "Indicators", "PostgresHub",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Each test target lists every module it imports.
        // Test doubles the test targets share (a manual clock); not a product, never shipped.
        .target(name: "KioskTestSupport", path: "Tests/Support"),
        .testTarget(name: "KioskCoreTests", dependencies: [
            "KioskCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ScannerTests", dependencies: ["Scanner", "KioskCore", "CLinuxDevices", "KioskTestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "IndicatorsTests", dependencies: ["Indicators", "KioskCore", "KioskTestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "KioskWebTests", dependencies: [
            "KioskWeb", "KioskCore", "KioskTestSupport", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .testTarget(name: "LabelsTests", dependencies: ["Labels", "Scanner", "KioskCore"]),
        .testTarget(name: "SyncTests", dependencies: [
            "Sync", "KioskCore", "KioskWeb", "PostgresHub", "KioskTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"), .product(name: "CompressNIO", package: "compress-nio"),
        ]),
        .testTarget(name: "kioskdTests", dependencies: ["kioskd", "KioskCore"]),
    ]
)
