// swift-tools-version: 6.0
import PackageDescription

/// The numeric core is compiled for the CPU it is built on ("native": every vector instruction
/// it has, e.g. AVX-512 and FMA), since rnnrepl is always built where it runs. Wider vectors took
/// the benchmark from 3,485 to 5,494 steps/s (bench/README.md). No number depends on it: Swift
/// never fuses or reorders floating-point operations on its own, and the batched float32
/// kernels fuse explicitly (an FMA is exact wherever it runs). RNNREPL_TARGET_CPU=haswell (or
/// any LLVM CPU name) builds for another CPU; =generic leaves the option off.
let targetCPU: [String] = {
    #if arch(x86_64)
    let cpu = Context.environment["RNNREPL_TARGET_CPU"] ?? "native"
    return cpu == "generic" ? [] : ["-target-cpu", cpu]
    #else
    return []
    #endif
}()

let package = Package(
    name: "rnnrepl",
    products: [
        .executable(name: "rnnrepl", targets: ["rnnrepl"]),
        .library(name: "RNNCore", targets: ["RNNCore"]),
    ],
    dependencies: [
        // Command-line flags, --help and usage errors for the executable.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Pure maths: parameters, forward, backward, optimisers, sampling. Never prints.
        .target(name: "RNNCore", swiftSettings: [
            // The numeric loops are the whole cost of training: optimise them in debug builds too, so
            // `swift run` lessons and `swift test` are fast. No numbers change (Swift never
            // reassociates floating-point arithmetic); see bench/README.md for the measurements.
            .unsafeFlags(["-O"] + targetCPU, .when(configuration: .debug)),
            .unsafeFlags(targetCPU, .when(configuration: .release)),
        ]),
        .testTarget(name: "RNNCoreTests", dependencies: ["RNNCore"]),
        // Pure String renderers: matrices, heatmaps, plots, bars, progress. Never prints. Optimised
        // in debug builds too: a heatmap or statistics of a 5000×5000 matrix took seconds unoptimised.
        .target(name: "RNNRendering", dependencies: ["RNNCore"], swiftSettings: [
            .unsafeFlags(["-O"], .when(configuration: .debug)),
        ]),
        .testTarget(name: "RNNRenderingTests", dependencies: ["RNNRendering", "TestSupport"]),
        // The command language: lexer → parser → interpreter over a session. Never prints.
        .target(name: "RNNLanguage", dependencies: ["RNNCore", "RNNRendering"]),
        .testTarget(name: "RNNLanguageTests", dependencies: ["RNNLanguage", "TestSupport"]),
        // GNU readline (libreadline-dev): line editing, history, completion.
        .systemLibrary(name: "CReadline", providers: [.apt(["libreadline-dev"])]),
        // The thin executable: flags, terminal I/O, exit codes.
        .executableTarget(name: "rnnrepl", dependencies: [
            "RNNCore", "RNNLanguage", "CReadline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "rnnreplTests", dependencies: ["rnnrepl", "RNNLanguage", "TestSupport"]),
        // Helpers shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // The bare training loop, for bench/run.sh (REPL overhead).
        .executableTarget(name: "rnncore-bench", dependencies: ["RNNCore"], path: "bench/CoreLoop"),
        // save and restore of a big model in both checkpoint forms (bench/README.md).
        .executableTarget(name: "checkpoint-bench", dependencies: ["RNNCore", "RNNLanguage", "RNNRendering"],
                          path: "bench/CheckpointBench"),
    ]
)
