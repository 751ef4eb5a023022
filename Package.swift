// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "rnnrepl",
    products: [
        .library(name: "RNNCore", targets: ["RNNCore"]),
    ],
    targets: [
        // Pure maths: parameters, forward, backward, optimisers, sampling. Never prints.
        .target(name: "RNNCore"),
        .testTarget(name: "RNNCoreTests", dependencies: ["RNNCore"]),
    ]
)
