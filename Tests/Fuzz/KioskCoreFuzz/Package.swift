// swift-tools-version:6.0
// The libFuzzer targets that need KioskCore as a whole (its GRDB record types): the counter's
// session state machine and the hub's push body. Built by Tests/Fuzz/run with
//   swift build -c release -Xswiftc -sanitize=fuzzer,address --build-path .build-fuzz-pm
// SwiftPM gives an executable its own main (<module>_main), so each target's main.swift starts
// libFuzzer's driver (LLVMFuzzerRunDriver) rather than taking main from the fuzzer runtime.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name ("main" here, another name in a CI clone).
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardized
let kioskd = root.lastPathComponent.lowercased()

let package = Package(
    name: "KioskCoreFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../../..")],
    targets: [
        .executableTarget(name: "fuzz-scan-session", dependencies: ["LibFuzzer", .product(name: "KioskCore", package: kioskd)],
                          path: "Sources/ScanSession"),
        .executableTarget(name: "fuzz-push-body", dependencies: ["LibFuzzer", .product(name: "KioskCore", package: kioskd)],
                          path: "Sources/PushBody"),
        .target(name: "LibFuzzer", path: "Sources/LibFuzzer"),
    ]
)
