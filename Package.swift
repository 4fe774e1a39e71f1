// swift-tools-version:6.1
import PackageDescription

/// Kernels for one instruction set live in their own module so that the compiler may use those
/// instructions there and nowhere else; the engine picks a module at run time from the CPU's features.
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c"])]
let avx512Flags: [SwiftSetting] = [.unsafeFlags([
    "-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c", "-Xcc", "-mavx512f", "-Xcc", "-mavx512bw",
    "-Xcc", "-mavx512vl", "-Xcc", "-mavx512dq", "-Xcc", "-mavx512vnni",
])]

let package = Package(
    name: "Realizar",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "realizar", targets: ["realizar"]),
        .library(name: "RealizarCore", targets: ["RealizarCore"]),
        .library(name: "RealizarTemplates", targets: ["RealizarTemplates"]),
        .library(name: "RealizarTokenizers", targets: ["RealizarTokenizers"]),
        .library(name: "RealizarEngine", targets: ["RealizarEngine"]),
        .library(name: "RealizarCUDA", targets: ["RealizarCUDA"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(name: "CRealizarSupport"),
        .target(name: "RealizarKernelsAVX2", dependencies: ["CRealizarSupport"], swiftSettings: avx2Flags),
        // Shares the integer kernels' source files with the AVX2 module (symbolic links); compiled
        // with VNNI they use `dpbusd` for the integer sums.
        .target(name: "RealizarKernelsAVX512", dependencies: ["CRealizarSupport"], swiftSettings: avx512Flags + [.define("REALIZAR_VNNI")]),
        .target(
            name: "RealizarCore",
            dependencies: [
                "CRealizarSupport",
                "RealizarKernelsAVX2",
                "RealizarKernelsAVX512",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "RealizarTemplates"),
        // The CUDA backend: kernels generated as PTX at run time, the driver loaded with dlopen, and
        // a CPU interpreter of the same kernels for tests; no CUDA headers or libraries at build time.
        .target(name: "RealizarCUDA", dependencies: ["RealizarCore"]),
        .target(name: "RealizarTokenizers", dependencies: ["RealizarCore"]),
        .target(name: "RealizarEngine", dependencies: ["RealizarCore", "RealizarTokenizers", "RealizarTemplates"]),
        .target(
            name: "RealizarServer",
            dependencies: [
                "RealizarCore",
                "RealizarTemplates",
                "RealizarTokenizers",
                "RealizarEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "realizar",
            dependencies: [
                "RealizarCore",
                "RealizarTemplates",
                "RealizarTokenizers",
                "RealizarEngine",
                "RealizarServer",
                "RealizarCUDA",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "RealizarTestSupport", dependencies: ["RealizarCore"], path: "Tests/RealizarTestSupport"),
        .testTarget(name: "RealizarCoreTests", dependencies: ["RealizarCore", "RealizarTestSupport"]),
        .testTarget(name: "RealizarTokenizersTests", dependencies: ["RealizarTokenizers", "RealizarTestSupport"]),
        .testTarget(name: "RealizarEngineTests", dependencies: ["RealizarEngine", "RealizarCUDA", "RealizarTestSupport"]),
        .testTarget(name: "RealizarTemplatesTests", dependencies: ["RealizarTemplates"]),
        .testTarget(name: "RealizarCUDATests", dependencies: ["RealizarCUDA", "RealizarCore"]),
        .testTarget(name: "RealizarServerTests", dependencies: ["RealizarEngine", "RealizarTestSupport"]),
    ]
)
