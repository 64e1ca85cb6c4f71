// swift-tools-version:6.0
import PackageDescription

// Layers, bottom to top (imports point downward only):
//   COpenSSL (system libssl)  ->  FSPIOP (pure protocol)  ->  PaymentManager (composition root)  ->  pm
let package = Package(
    name: "PaymentManager",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pm", targets: ["pm"]),
        .library(name: "FSPIOP", targets: ["FSPIOP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "FSPIOP", dependencies: ["COpenSSL"], exclude: ["Models", "Validation"]),
        .target(name: "PaymentManager", dependencies: ["FSPIOP", "COpenSSL"]),
        .executableTarget(
            name: "pm",
            dependencies: [
                "PaymentManager",
                "FSPIOP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "FSPIOPTests", dependencies: ["FSPIOP"]),
        .testTarget(name: "PMToolTests", dependencies: ["pm", "FSPIOP"]),
    ],
    swiftLanguageModes: [.v6]
)
