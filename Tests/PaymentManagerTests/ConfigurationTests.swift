import FSPIOP
import Foundation
import Testing
@testable import PaymentManager

struct ConfigurationTests {
    static let minimal: [String: String] = [
        "DFSP_ID": "payerfsp", "PEER_ENDPOINT": "hub.local:4002", "BACKEND_ENDPOINT": "core.local:3000", "ILP_SECRET": "s3cr3t",
        "JWS_SIGNING_KEY_PATH": "/keys/jws.pem", "JWS_VERIFICATION_KEYS_DIRECTORY": "/keys/peers",
    ]
    static let files: Set<String> = ["/keys/jws.pem", "/keys/peers", "/tls/ca.pem", "/tls/ca2.pem", "/tls/cert.pem", "/tls/key.pem"]

    func load(_ changes: [String: String?] = [:]) throws(ConfigurationError) -> ConnectorConfiguration {
        var environment = Self.minimal
        for (name, value) in changes { environment[name] = value }
        return try ConnectorConfiguration.load(environment: environment) { Self.files.contains($0) }
    }

    @Test("the SDK's defaults, with JWS on and endpoints from PEER_ENDPOINT")
    func defaults() throws {
        let configuration = try load()
        #expect(configuration.dfspId == "payerfsp")
        #expect(configuration.inboundPort == 4000 && configuration.outboundPort == 4001)
        #expect(configuration.peerEndpoint.description == "http://hub.local:4002")
        #expect(configuration.quotesEndpoint == configuration.peerEndpoint)
        #expect(configuration.backendEndpoint.description == "http://core.local:3000")
        #expect(configuration.expirySeconds == 20 && configuration.requestTimeoutSeconds == 30)
        #expect(configuration.autoAcceptParty && configuration.autoAcceptQuotes && configuration.checkILP)
        #expect(configuration.jwsSign && configuration.validateInboundJWS)
        #expect(configuration.ilpVersion == .v1)
        #expect(configuration.inboundTLS == nil && configuration.outboundTLS == nil)
        #expect(configuration.log == .sqlite(path: "data/pm-log.sqlite"))
    }

    @Test("PM_ROLES splits the connector and its read side on Kafka; the R2P auto-accept settings reach the processor")
    func rolesAndRequestToPaySettings() throws {
        #expect(try load().roles == .all)
        let edge = try load(["PM_ROLES": "edge", "PM_LOG": "kafka://broker:9092"])
        #expect(edge.roles == .edge && edge.settings.roles == .edge)
        #expect(try load(["PM_ROLES": "processor", "PM_LOG": "kafka://broker:9092"]).roles == .processor)
        #expect(try load(["PM_ROLES": "edge,processor"]).roles == .connector)
        #expect(try load(["PM_ROLES": "projections", "PM_LOG": "kafka://broker:9092"]).roles == .projections)
        #expect(throws: ConfigurationError.self) { try load(["PM_ROLES": "projections"]) }
        #expect(throws: ConfigurationError.self) { try load(["PM_EXPERIENCE_LISTEN_ADDRESS": "0.0.0.0"]) }
        let defaults = try load()
        #expect(defaults.projectionsPath == "data/pm-projections.sqlite" && defaults.experiencePort == 4010)
        let r2p = try load(["AUTO_ACCEPT_R2P_BUSINESS_QUOTES": "true", "AUTO_ACCEPT_R2P_DEVICE_OTP": "true"])
        #expect(r2p.settings.outbound.autoAcceptR2PBusinessQuotes && r2p.settings.outbound.autoAcceptR2PDeviceOTP)
        #expect(r2p.redactedLines.contains("AUTO_ACCEPT_R2P_DEVICE_OTP=true") && r2p.redactedLines.contains("PM_ROLES=edge,processor,projections"))
    }

    @Test("endpoints are accepted as host:port and as URLs; the scheme follows outbound mTLS")
    func endpoints() throws {
        let configuration = try load(["TRANSFERS_ENDPOINT": "https://switch.example/ml-api/", "ALS_ENDPOINT": "als.local:4003",
                                      "OUTBOUND_MUTUAL_TLS_ENABLED": "true", "OUT_CA_CERT_PATH": "/tls/ca.pem,/tls/ca2.pem",
                                      "OUT_CLIENT_CERT_PATH": "/tls/cert.pem", "OUT_CLIENT_KEY_PATH": "/tls/key.pem"])
        #expect(configuration.transfersEndpoint.description == "https://switch.example:443/ml-api")
        #expect(configuration.alsEndpoint.description == "https://als.local:4003")
        #expect(configuration.peerEndpoint.scheme == "https")
        #expect(configuration.outboundTLS?.caCertificatePaths == ["/tls/ca.pem", "/tls/ca2.pem"])
        // As in the SDK, bulk requests go to their own endpoints, else the peer (not to TRANSFERS_ENDPOINT).
        #expect(configuration.bulkTransfersEndpoint == configuration.peerEndpoint)
        let bulk = try load(["BULK_QUOTES_ENDPOINT": "bulk.local:4005"])
        #expect(bulk.bulkQuotesEndpoint.description == "http://bulk.local:4005")
        #expect(bulk.settings.hub.bulkQuotes == "http://bulk.local:4005" && bulk.settings.hub.bulkTransfers == bulk.peerEndpoint.description)
    }

    @Test("invalid values are refused, naming the variable", arguments: [
        ("DFSP_ID", nil), ("PEER_ENDPOINT", nil), ("PEER_ENDPOINT", "hub.local"), ("PEER_ENDPOINT", "ftp://hub:1"),
        ("PEER_ENDPOINT", "hub.local:99999"), ("BACKEND_ENDPOINT", nil), ("ILP_SECRET", nil), ("ILP_VERSION", "2"),
        ("INBOUND_LISTEN_PORT", "http"), ("EXPIRY_SECONDS", "0"), ("CHECK_ILP", "maybe"), ("RESOURCE_VERSIONS", "parties=1.5"),
        ("RESOURCE_VERSIONS", "people=1.1"), ("JWS_SIGNING_KEY_PATH", nil), ("JWS_SIGNING_KEY_PATH", "/missing.pem"),
        ("JWS_VERIFICATION_KEYS_DIRECTORY", nil), ("PM_LOG", "mysql://x"), ("DFSP_ID", String(repeating: "x", count: 33)),
        ("PM_ROLES", "gateway"), ("PM_ROLES", "edge"), ("AUTO_ACCEPT_R2P_DEVICE_OTP", "sometimes"),
    ] as [(String, String?)])
    func refusals(name: String, value: String?) {
        do {
            _ = try load([name: value])
            Issue.record("\(name)=\(value ?? "(unset)") accepted")
        } catch {
            #expect(error.variable == name)
            #expect(!error.reason.isEmpty)
        }
    }

    @Test("mTLS needs its files; JWS files are needed only when JWS is on")
    func conditionalFiles() throws {
        #expect(throws: ConfigurationError("IN_CA_CERT_PATH", "is required because INBOUND_MUTUAL_TLS_ENABLED is on")) {
            try load(["INBOUND_MUTUAL_TLS_ENABLED": "true"])
        }
        let tls = try load(["INBOUND_MUTUAL_TLS_ENABLED": "true", "IN_CA_CERT_PATH": "/tls/ca.pem", "IN_SERVER_CERT_PATH": "/tls/cert.pem",
                            "IN_SERVER_KEY_PATH": "/tls/key.pem"])
        #expect(tls.inboundTLS?.keyPath == "/tls/key.pem")
        let noJWS = try load(["JWS_SIGN": "false", "VALIDATE_INBOUND_JWS": "false", "JWS_SIGNING_KEY_PATH": nil, "JWS_VERIFICATION_KEYS_DIRECTORY": nil])
        #expect(noJWS.jwsSigningKeyPath == nil)
    }

    @Test("resource versions are read; the printed configuration never shows the ILP secret")
    func printing() throws {
        let configuration = try load(["RESOURCE_VERSIONS": "parties=1.1, transfers=2.0", "PM_LOG": "kafka://k1:9092,k2:9092"])
        #expect(configuration.resourceVersions == ["parties": .v1_1, "transfers": .v2_0])
        #expect(configuration.log == .kafka(bootstrapServers: ["k1:9092", "k2:9092"]))
        let text = configuration.redactedLines.joined(separator: "\n")
        #expect(!text.contains("s3cr3t"))
        #expect(text.contains("ILP_SECRET=<redacted>"))
        #expect(text.contains("RESOURCE_VERSIONS=parties=1.1,transfers=2.0"))
    }
}

/// The outbound API is the core's: private by default, authenticated when it is not.
struct OutboundAccessConfigurationTests {
    func load(_ changes: [String: String] = [:]) throws(ConfigurationError) -> ConnectorConfiguration {
        var environment = ConfigurationTests.minimal
        for (name, value) in changes { environment[name] = value }
        return try ConnectorConfiguration.load(environment: environment) { ConfigurationTests.files.union(["/secrets/token"]).contains($0) }
    }

    @Test("the outbound API listens on 127.0.0.1 by default, apart from the inbound API's address")
    func loopbackByDefault() throws {
        let configuration = try load()
        #expect(configuration.outboundListenAddress == "127.0.0.1" && configuration.settings.outboundHost == "127.0.0.1")
        #expect(configuration.listenAddress == "0.0.0.0" && configuration.settings.host == "0.0.0.0")
        #expect(configuration.redactedLines.contains("PM_OUTBOUND_LISTEN_ADDRESS=127.0.0.1"))
    }

    @Test("an outbound API reachable from other hosts needs a token or mutual TLS, or an explicit opt-out")
    func exposedNeedsAuthentication() throws {
        let error = #expect(throws: ConfigurationError.self) { try load(["PM_OUTBOUND_LISTEN_ADDRESS": "0.0.0.0"]) }
        #expect(error?.variable == "PM_OUTBOUND_LISTEN_ADDRESS")
        let token = try load(["PM_OUTBOUND_LISTEN_ADDRESS": "0.0.0.0", "PM_OUTBOUND_API_TOKEN_PATH": "/secrets/token"])
        #expect(token.settings.outboundAccess.tokenPath == "/secrets/token" && token.settings.outboundHost == "0.0.0.0")
        #expect(token.redactedLines.contains("PM_OUTBOUND_API_TOKEN_PATH=/secrets/token"))
        let tls = try load(["PM_OUTBOUND_LISTEN_ADDRESS": "10.0.0.5", "PM_OUTBOUND_API_MUTUAL_TLS_ENABLED": "true",
                            "PM_OUTBOUND_API_CA_CERT_PATH": "/tls/ca.pem", "PM_OUTBOUND_API_SERVER_CERT_PATH": "/tls/cert.pem",
                            "PM_OUTBOUND_API_SERVER_KEY_PATH": "/tls/key.pem"])
        #expect(tls.settings.outboundAccess.tls?.certificatePath == "/tls/cert.pem")
        #expect(try load(["PM_OUTBOUND_LISTEN_ADDRESS": "0.0.0.0", "PM_OUTBOUND_API_ALLOW_UNAUTHENTICATED": "true"]).outboundAccess.authenticates == false)
        #expect(throws: ConfigurationError.self) { try load(["PM_OUTBOUND_API_TOKEN_PATH": "/secrets/missing"]) }
        #expect(throws: ConfigurationError.self) { try load(["PM_OUTBOUND_API_MUTUAL_TLS_ENABLED": "true"]) }
    }

    @Test("numbers that feed date arithmetic are bounded; an FSP id must fit in a header", arguments: [
        ("EXPIRY_SECONDS", "9300000000000000"), ("REQUEST_PROCESSING_TIMEOUT_SECONDS", "2147483648"), ("PM_FINISHED_RETENTION_SECONDS", "0"),
        ("DFSP_ID", "payer fsp"), ("DFSP_ID", "payer\u{7F}"), ("DFSP_ID", String(repeating: "p", count: 33)),
    ])
    func bounded(_ example: (String, String)) {
        let error = #expect(throws: ConfigurationError.self) { try load([example.0: example.1]) }
        #expect(error?.variable == example.0)
    }
}

/// Kafka's TLS and SASL: librdkafka properties passed through, secrets only from files.
struct KafkaSecurityConfigurationTests {
    @Test("PM_KAFKA_PROPERTIES reaches the Kafka clients; a password comes from its file and is never printed")
    func propertiesAndSecrets() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-kafka-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let passwordPath = directory.appendingPathComponent("sasl-password").path
        try Data("s3cr3t-kafka\n".utf8).write(to: URL(fileURLWithPath: passwordPath))
        var environment = ConfigurationTests.minimal
        environment["PM_KAFKA_PROPERTIES"] = "security.protocol=SASL_SSL, sasl.mechanisms=SCRAM-SHA-512,sasl.username=pm,ssl.ca.location=/tls/ca.pem"
        environment["PM_KAFKA_SASL_PASSWORD_PATH"] = passwordPath
        let configuration = try ConnectorConfiguration.load(environment: environment) { ConfigurationTests.files.contains($0) || $0 == passwordPath }
        let properties = try configuration.kafkaClientProperties()
        #expect(properties == ["security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "pm",
                               "ssl.ca.location": "/tls/ca.pem", "sasl.password": "s3cr3t-kafka"])
        #expect(!configuration.redactedLines.joined().contains("s3cr3t-kafka"))
        #expect(configuration.redactedLines.contains("PM_KAFKA_SASL_PASSWORD_PATH=\(passwordPath)"))
    }

    @Test("a secret written in PM_KAFKA_PROPERTIES, or a malformed entry, is refused", arguments: [
        "sasl.password=hunter2", "ssl.key.password=x", "security.protocol", "=SSL",
    ])
    func refused(_ text: String) {
        var environment = ConfigurationTests.minimal
        environment["PM_KAFKA_PROPERTIES"] = text
        let error = #expect(throws: ConfigurationError.self) { try ConnectorConfiguration.load(environment: environment) { ConfigurationTests.files.contains($0) } }
        #expect(error?.variable == "PM_KAFKA_PROPERTIES")
    }
}
