// swift-tools-version:6.1
import PackageDescription

// Layers, bottom to top (imports point downward only):
//   PMCore (pure values: JSON, timestamps)  ->  FSPIOP (pure protocol, over COpenSSL)  ->  PaymentDomain (aggregates)
//   ->  Processing (the processor's pure decisions)  ->  ReadModel (the read models' pure folds)
//   EventLog (log interface + SQLite backend, over CSQLite)  ->  KafkaLog (over CRdKafka)
//   Connector (HTTP edges, processor)  ->  ReadSide (projection store, experience API)  ->  Portal (pages, login, roles)
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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // OTLP over HTTP only (the gRPC exporter would bring grpc-swift into the build).
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
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
        // The processor's decisions, pure: facts routed to aggregates, who may send what, the effects of events.
        .target(name: "Processing", dependencies: ["PaymentDomain", "FSPIOP", "PMCore"]),
        // The read models' pure folds: transfers and their statistics from the log's events.
        .target(name: "ReadModel", dependencies: ["Processing", "PaymentDomain", "FSPIOP", "PMCore"]),
        // Random and hostile input from one seed, for the property tests and `pm fuzz`.
        .target(name: "FuzzInput", dependencies: ["PMCore"]),
        .target(
            name: "Connector",
            dependencies: [
                "PaymentDomain", "FSPIOP", "EventLog", "Processing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The read side: projections into their SQLite store, and the experience API.
        .target(
            name: "ReadSide",
            dependencies: [
                "ReadModel", "Processing", "EventLog", "Connector", "PMCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The portals: pages served by pm over the read models and the connector's own state, behind login and roles.
        .target(
            name: "Portal",
            dependencies: [
                "ReadSide", "ReadModel", "Connector", "EventLog", "PMCore", "FSPIOP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Simulators",
            dependencies: [
                "FSPIOP", "PaymentDomain",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PaymentManager",
            dependencies: [
                "FSPIOP", "COpenSSL", "EventLog", "KafkaLog", "Processing", "ReadModel", "ReadSide", "Portal", "FuzzInput", "CSQLite", "CRdKafka", "Connector", "Simulators", "PaymentDomain",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "pm",
            dependencies: [
                "PaymentManager", "FSPIOP", "EventLog", "Connector", "Simulators", "PaymentDomain", "Processing", "ReadSide", "Portal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "FSPIOPTests", dependencies: ["FSPIOP", "PMCore"]),
        .testTarget(name: "PaymentDomainTests", dependencies: ["PaymentDomain", "FSPIOP"]),
        .testTarget(name: "ProcessingTests", dependencies: [
            "Processing", "PaymentDomain", "FSPIOP", "PMCore", "FuzzInput",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "ReadModelTests", dependencies: ["ReadModel", "Processing", "PaymentDomain", "FSPIOP", "PMCore"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "KafkaLog", "PMCore"]),
        .testTarget(name: "PaymentManagerTests", dependencies: ["PaymentManager", "FSPIOP"]),
        .testTarget(
            name: "SimulatorsTests",
            dependencies: [
                "Simulators", "FSPIOP", "PaymentDomain",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "ConnectorTests",
            dependencies: [
                "Connector", "Simulators", "PaymentManager", "FSPIOP", "EventLog", "PaymentDomain", "Processing", "ReadSide", "ReadModel", "PMCore", "Portal",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "PMToolTests",
            dependencies: [
                "pm", "FSPIOP", "EventLog", "PaymentManager", "Simulators", "Connector", "Processing", "ReadSide",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
