// swift-tools-version:6.0
import PackageDescription

// Layers, bottom to top (imports point downward only):
//   PMCore (pure values: JSON, timestamps)  ->  FSPIOP (pure protocol, over COpenSSL)
//   EventLog (log interface + SQLite backend, over CSQLite)  ->  KafkaLog (over CRdKafka)
//   PaymentManager (composition root)  ->  pm (the executable)
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
        .target(name: "PMCore"),
        .target(name: "FSPIOP", dependencies: ["PMCore", "COpenSSL"]),
        .target(name: "PaymentDomain", dependencies: ["FSPIOP"]),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "EventLog", dependencies: ["PMCore", "CSQLite"]),
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(name: "KafkaLog", dependencies: ["EventLog", "CRdKafka"]),
        .target(name: "PaymentManager", dependencies: ["FSPIOP", "COpenSSL", "EventLog", "KafkaLog", "CSQLite", "CRdKafka"]),
        .executableTarget(
            name: "pm",
            dependencies: [
                "PaymentManager",
                "FSPIOP",
                "EventLog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "FSPIOPTests", dependencies: ["FSPIOP", "PMCore"]),
        .testTarget(name: "PaymentDomainTests", dependencies: ["PaymentDomain", "FSPIOP"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "KafkaLog", "PMCore"]),
        .testTarget(name: "PaymentManagerTests", dependencies: ["PaymentManager", "FSPIOP"]),
        .testTarget(name: "PMToolTests", dependencies: ["pm", "FSPIOP", "EventLog"]),
    ],
    swiftLanguageModes: [.v6]
)
