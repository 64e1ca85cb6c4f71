import Connector
import EventLog
import FSPIOP
import Foundation
import Portal

/// A configuration value that is not valid: which variable, and why. `pm serve` refuses to start with it.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let variable: String
    public let reason: String
    public init(_ variable: String, _ reason: String) {
        self.variable = variable
        self.reason = reason
    }
    public var description: String { "invalid configuration: \(variable): \(reason)" }
}

/// The Mojaloop Connector's settings, under the sdk-scheme-adapter's environment variable names and
/// defaults, validated once into typed values. Secrets are file paths or are redacted when printed.
public struct ConnectorConfiguration: Sendable, Hashable {
    public var dfspId: String
    public var inboundPort: Int
    public var outboundPort: Int
    public var peerEndpoint: Endpoint
    public var alsEndpoint: Endpoint
    public var quotesEndpoint: Endpoint
    public var transfersEndpoint: Endpoint
    public var transactionRequestsEndpoint: Endpoint
    public var bulkQuotesEndpoint: Endpoint
    public var bulkTransfersEndpoint: Endpoint
    public var backendEndpoint: Endpoint
    public var ilpSecret: String
    public var ilpVersion: ILPVersion
    public var expirySeconds: Int
    public var requestTimeoutSeconds: Int
    public var resourceVersions: [String: APIVersion]
    public var checkILP: Bool
    public var reserveNotification: Bool
    public var autoAcceptParty: Bool
    public var autoAcceptQuotes: Bool
    /// `AUTO_ACCEPT_R2P_PARTY` (default false, as the SDK): a request to pay goes on without the core's acceptParty.
    public var autoAcceptR2PParty: Bool
    /// `AUTO_ACCEPT_R2P_BUSINESS_QUOTES` (default false, as the SDK): paying a business's request to pay goes on
    /// after the quote without the core's acceptQuote.
    public var autoAcceptR2PBusinessQuotes = false
    /// `AUTO_ACCEPT_R2P_DEVICE_OTP` (default false, as the SDK): paying a request to pay goes on once the
    /// customer's OTP arrives, without the core's acceptOTP.
    public var autoAcceptR2PDeviceOTP = false
    public var rejectExpiredQuoteResponses: Bool
    public var rejectTransfersOnExpiredQuotes: Bool
    public var jwsSign: Bool
    public var jwsSignPutParties: Bool
    public var jwsSigningKeyPath: String?
    public var validateInboundJWS: Bool
    public var validateInboundPutPartiesJWS: Bool
    /// `PM_LISTEN_ADDRESS` (default 0.0.0.0): where the inbound FSPIOP server listens.
    public var listenAddress: String
    /// `PM_OUTBOUND_LISTEN_ADDRESS` (default 127.0.0.1): where the outbound API listens. Only the core may call it.
    public var outboundListenAddress = "127.0.0.1"
    /// `PM_OUTBOUND_API_TOKEN_PATH` and `PM_OUTBOUND_API_MUTUAL_TLS_ENABLED` with its files: what the outbound API
    /// requires of the core.
    public var outboundAccess = OutboundAccess()
    /// `PM_HUB_ID` (`switch`, the name Mojaloop's hub uses): the `FSPIOP-Source` of what the hub originates.
    public var hubId = "switch"
    /// `PM_INBOUND_DATE_SKEW_SECONDS` (300; 0 turns the check off): how far a received request's `Date` may be from
    /// this server's clock.
    public var inboundDateSkewSeconds = 300
    /// `PM_MAX_CONNECTIONS` (1024), `PM_IDLE_TIMEOUT_SECONDS` (60), `PM_TLS_HANDSHAKE_TIMEOUT_SECONDS` (10): what each
    /// server allows its connections.
    public var connectionLimits = ConnectionLimits()
    /// `PM_MAX_IN_FLIGHT` (512) and `PM_MAX_BACKLOG` (500): how much each API takes on before it refuses more.
    public var admissionLimits = AdmissionLimits()
    /// `PM_KAFKA_PROPERTIES` (`name=value,...`): librdkafka properties for every Kafka client of the log (TLS, SASL,
    /// tuning). Secrets are not allowed here; they come from files (``kafkaSecretFiles``).
    public var kafkaProperties: [String: String] = [:]
    /// `PM_KAFKA_SASL_PASSWORD_PATH`, `PM_KAFKA_SSL_KEY_PASSWORD_PATH`, `PM_KAFKA_SSL_KEYSTORE_PASSWORD_PATH`,
    /// `PM_KAFKA_OAUTHBEARER_CLIENT_SECRET_PATH`: the
    /// librdkafka property each file's content is given to, by property name.
    public var kafkaSecretFiles: [String: String] = [:]

    /// The librdkafka properties that hold secrets: refused in `PM_KAFKA_PROPERTIES`, set from files.
    static let kafkaSecretProperties: [String: String] = [
        "sasl.password": "PM_KAFKA_SASL_PASSWORD_PATH", "ssl.key.password": "PM_KAFKA_SSL_KEY_PASSWORD_PATH",
        "sasl.oauthbearer.client.secret": "PM_KAFKA_OAUTHBEARER_CLIENT_SECRET_PATH",
        "ssl.keystore.password": "PM_KAFKA_SSL_KEYSTORE_PASSWORD_PATH",
    ]

    /// Every librdkafka property for the log's clients: ``kafkaProperties`` and the secrets read from their files now.
    /// - Throws: a ``ConfigurationError`` naming the variable of a file that cannot be read.
    public func kafkaClientProperties() throws(ConfigurationError) -> [String: String] {
        var properties = kafkaProperties
        for (property, path) in kafkaSecretFiles {
            let variable = Self.kafkaSecretProperties[property] ?? property
            do {
                properties[property] = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ConfigurationError(variable, "'\(path)' cannot be read")
            }
        }
        return properties
    }
    public var jwsVerificationKeysDirectory: String?
    public var inboundTLS: TLSFiles?
    public var outboundTLS: TLSFiles?
    public var dataDirectory: String
    public var log: LogLocation
    /// `PM_LOG_DURABILITY` (`full`, the default, or `normal`): the embedded log's `synchronous` setting.
    public var logDurability: SQLiteLogConfiguration.Durability = .full
    /// `PM_FINISHED_RETENTION_SECONDS` (300): how long ended transfers stay in memory.
    public var finishedRetentionSeconds = 300
    /// `PM_CHECKPOINT_INTERVAL_MS` (10000): how often the processor records from when a restart folds the log.
    public var checkpointIntervalMilliseconds = 10_000
    /// `PM_ROLES` (`edge,processor`): which parts run in this process; one role alone needs a Kafka log, where the
    /// other processes find the facts (edges) or the events (processor).
    public var roles: ConnectorRoles = .all
    /// `PM_PROJECTIONS_PATH` (`pm-projections.sqlite` beside the embedded log, or in `PM_DATA_DIR`): the read models' file.
    public var projectionsPath = "data/pm-projections.sqlite"
    /// `PM_PROJECTIONS_RETENTION_DAYS` (30; 0 keeps everything): how long the read models keep a transfer.
    public var projectionsRetentionDays = 30
    /// `PM_EXPERIENCE_LISTEN_ADDRESS` (127.0.0.1) and `PM_EXPERIENCE_LISTEN_PORT` (4010): the experience API.
    public var experienceListenAddress = "127.0.0.1"
    public var experiencePort = 4010
    /// `PM_PORTAL_USERS_FILE`: the portal's local users (YAML: names, bcrypt hashes, roles). Unset: nobody can sign in.
    public var portalUsersPath: String?
    /// `PM_PORTAL_SESSION_IDLE_MINUTES` (30): a portal session ends after this long without a request.
    public var portalSessionIdleMinutes = 30
    /// `PM_PORTAL_OIDC_ISSUER`, `PM_PORTAL_OIDC_CLIENT_ID`, `PM_PORTAL_OIDC_REDIRECT_URL`, `PM_PORTAL_OIDC_ROLES_CLAIM` (roles),
    /// `PM_PORTAL_OIDC_SCOPES` (openid profile): sign-in through an OpenID Connect provider (nil: local users only).
    public var portalOIDC: OIDCSettings?
    /// `PM_PORTAL_OIDC_CLIENT_SECRET_PATH`: the file holding the portal's client secret at the provider, if it has one.
    public var portalOIDCClientSecretPath: String?

    /// Reads the configuration from environment variables (the SDK's names), checking every value.
    /// `fileExists` is how paths are checked (injected so that tests need no files).
    public static func load(environment: [String: String],
                            fileExists: @escaping (String) -> Bool = { FileManager.default.isReadableFile(atPath: $0) }) throws(ConfigurationError) -> ConnectorConfiguration {
        let reader = EnvironmentReader(environment: environment, fileExists: fileExists)
        let inboundTLS = try reader.bool("INBOUND_MUTUAL_TLS_ENABLED", default: false)
        let outboundTLS = try reader.bool("OUTBOUND_MUTUAL_TLS_ENABLED", default: false)
        let scheme = outboundTLS ? "https" : "http"
        let peer = try reader.endpoint("PEER_ENDPOINT", scheme: scheme)
        let dataDirectory = environment["PM_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
        let logText = environment["PM_LOG"].flatMap { $0.isEmpty ? nil : $0 } ?? "sqlite:\(dataDirectory)/pm-log.sqlite"
        let log: LogLocation
        do { log = try LogLocation(logText) } catch { throw ConfigurationError("PM_LOG", error.reason) }

        let jwsSign = try reader.bool("JWS_SIGN", default: true)
        let validateJWS = try reader.bool("VALIDATE_INBOUND_JWS", default: true)
        var configuration = ConnectorConfiguration(
            dfspId: try reader.fspId("DFSP_ID"),
            inboundPort: try reader.port("INBOUND_LISTEN_PORT", default: 4000),
            outboundPort: try reader.port("OUTBOUND_LISTEN_PORT", default: 4001),
            peerEndpoint: peer,
            alsEndpoint: try reader.endpoint("ALS_ENDPOINT", scheme: scheme, fallback: peer),
            quotesEndpoint: try reader.endpoint("QUOTES_ENDPOINT", scheme: scheme, fallback: peer),
            transfersEndpoint: try reader.endpoint("TRANSFERS_ENDPOINT", scheme: scheme, fallback: peer),
            transactionRequestsEndpoint: try reader.endpoint("TRANSACTION_REQUESTS_ENDPOINT", scheme: scheme, fallback: peer),
            bulkQuotesEndpoint: try reader.endpoint("BULK_QUOTES_ENDPOINT", scheme: scheme, fallback: peer),
            bulkTransfersEndpoint: try reader.endpoint("BULK_TRANSFERS_ENDPOINT", scheme: scheme, fallback: peer),
            backendEndpoint: try reader.endpoint("BACKEND_ENDPOINT", scheme: "http"),
            ilpSecret: try reader.secret("ILP_SECRET"),
            ilpVersion: try reader.ilpVersion("ILP_VERSION"),
            expirySeconds: try reader.positive("EXPIRY_SECONDS", default: 20),
            requestTimeoutSeconds: try reader.positive("REQUEST_PROCESSING_TIMEOUT_SECONDS", default: 30),
            resourceVersions: try reader.resourceVersions("RESOURCE_VERSIONS"),
            checkILP: try reader.bool("CHECK_ILP", default: true),
            reserveNotification: try reader.bool("RESERVE_NOTIFICATION", default: false),
            autoAcceptParty: try reader.bool("AUTO_ACCEPT_PARTY", default: true),
            autoAcceptQuotes: try reader.bool("AUTO_ACCEPT_QUOTES", default: true),
            autoAcceptR2PParty: try reader.bool("AUTO_ACCEPT_R2P_PARTY", default: false),
            rejectExpiredQuoteResponses: try reader.bool("REJECT_EXPIRED_QUOTE_RESPONSES", default: false),
            rejectTransfersOnExpiredQuotes: try reader.bool("REJECT_TRANSFERS_ON_EXPIRED_QUOTES", default: false),
            jwsSign: jwsSign,
            jwsSignPutParties: try reader.bool("JWS_SIGN_PUT_PARTIES", default: false),
            jwsSigningKeyPath: jwsSign ? try reader.file("JWS_SIGNING_KEY_PATH", because: "JWS_SIGN is on") : nil,
            validateInboundJWS: validateJWS,
            validateInboundPutPartiesJWS: try reader.bool("VALIDATE_INBOUND_PUT_PARTIES_JWS", default: false),
            listenAddress: reader.value("PM_LISTEN_ADDRESS") ?? "0.0.0.0",
            jwsVerificationKeysDirectory: validateJWS ? try reader.file("JWS_VERIFICATION_KEYS_DIRECTORY", because: "VALIDATE_INBOUND_JWS is on") : nil,
            inboundTLS: inboundTLS ? try reader.tls(ca: "IN_CA_CERT_PATH", certificate: "IN_SERVER_CERT_PATH", key: "IN_SERVER_KEY_PATH", because: "INBOUND_MUTUAL_TLS_ENABLED is on") : nil,
            outboundTLS: outboundTLS ? try reader.tls(ca: "OUT_CA_CERT_PATH", certificate: "OUT_CLIENT_CERT_PATH", key: "OUT_CLIENT_KEY_PATH", because: "OUTBOUND_MUTUAL_TLS_ENABLED is on") : nil,
            dataDirectory: dataDirectory,
            log: log)
        configuration.autoAcceptR2PBusinessQuotes = try reader.bool("AUTO_ACCEPT_R2P_BUSINESS_QUOTES", default: false)
        configuration.autoAcceptR2PDeviceOTP = try reader.bool("AUTO_ACCEPT_R2P_DEVICE_OTP", default: false)
        configuration.finishedRetentionSeconds = try reader.positive("PM_FINISHED_RETENTION_SECONDS", default: 300)
        configuration.checkpointIntervalMilliseconds = try reader.positive("PM_CHECKPOINT_INTERVAL_MS", default: 10_000)
        if let text = reader.value("PM_ROLES") {
            guard let roles = ConnectorRoles(parsing: text) else {
                throw ConfigurationError("PM_ROLES", "'\(text)' must be edge, processor, projections, or several of them separated by commas")
            }
            if !roles.isSuperset(of: .connector), case .sqlite = configuration.log {
                throw ConfigurationError("PM_ROLES", "'\(text)' runs part of the connector: the other part is in another process, "
                                         + "which the embedded log cannot share; use PM_LOG=kafka://...")
            }
            configuration.roles = roles
        }
        configuration.outboundListenAddress = reader.value("PM_OUTBOUND_LISTEN_ADDRESS") ?? "127.0.0.1"
        if reader.value("PM_HUB_ID") != nil { configuration.hubId = try reader.fspId("PM_HUB_ID") }
        configuration.connectionLimits = ConnectionLimits(
            maximumConnections: try reader.positive("PM_MAX_CONNECTIONS", default: 1024),
            handshakeTimeout: .seconds(try reader.positive("PM_TLS_HANDSHAKE_TIMEOUT_SECONDS", default: 10)),
            idleTimeout: .seconds(try reader.positive("PM_IDLE_TIMEOUT_SECONDS", default: 60)))
        if let text = reader.value("PM_KAFKA_PROPERTIES") {
            for entry in text.split(separator: ",") {
                let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw ConfigurationError("PM_KAFKA_PROPERTIES", "'\(entry)' is not name=value (librdkafka properties, comma-separated)")
                }
                if let variable = Self.kafkaSecretProperties[parts[0]] {
                    throw ConfigurationError("PM_KAFKA_PROPERTIES", "\(parts[0]) is a secret: put it in a file named by \(variable)")
                }
                configuration.kafkaProperties[parts[0]] = parts[1]
            }
        }
        for (property, variable) in Self.kafkaSecretProperties where reader.value(variable) != nil {
            configuration.kafkaSecretFiles[property] = try reader.file(variable, because: "it is set")
        }
        configuration.admissionLimits = AdmissionLimits(maximumInFlight: try reader.positive("PM_MAX_IN_FLIGHT", default: 512),
                                                        maximumBacklog: try reader.positive("PM_MAX_BACKLOG", default: 500))
        if let text = reader.value("PM_INBOUND_DATE_SKEW_SECONDS") {
            guard let seconds = Int(text), (0...Int(Int32.max)).contains(seconds) else {
                throw ConfigurationError("PM_INBOUND_DATE_SKEW_SECONDS", "'\(text)' is not a whole number from 0 (off) to \(Int32.max)")
            }
            configuration.inboundDateSkewSeconds = seconds
        }
        configuration.outboundAccess = OutboundAccess(
            tokenPath: try reader.value("PM_OUTBOUND_API_TOKEN_PATH").map { _ throws(ConfigurationError) in
                try reader.file("PM_OUTBOUND_API_TOKEN_PATH", because: "it is set")
            },
            tls: try reader.bool("PM_OUTBOUND_API_MUTUAL_TLS_ENABLED", default: false)
                ? try reader.tls(ca: "PM_OUTBOUND_API_CA_CERT_PATH", certificate: "PM_OUTBOUND_API_SERVER_CERT_PATH",
                                 key: "PM_OUTBOUND_API_SERVER_KEY_PATH", because: "PM_OUTBOUND_API_MUTUAL_TLS_ENABLED is on") : nil)
        // The outbound API moves the DFSP's money: reachable from other hosts, it must know who calls it.
        if !Self.isLoopback(configuration.outboundListenAddress), !configuration.outboundAccess.authenticates,
           try !reader.bool("PM_OUTBOUND_API_ALLOW_UNAUTHENTICATED", default: false) {
            throw ConfigurationError("PM_OUTBOUND_LISTEN_ADDRESS", "'\(configuration.outboundListenAddress)' is reachable from other hosts: "
                                     + "set PM_OUTBOUND_API_TOKEN_PATH or PM_OUTBOUND_API_MUTUAL_TLS_ENABLED so that only the core can call it "
                                     + "(or PM_OUTBOUND_API_ALLOW_UNAUTHENTICATED=true on a network only the core can reach)")
        }
        if case let .sqlite(path) = configuration.log {
            let folder = (path as NSString).deletingLastPathComponent
            configuration.projectionsPath = (folder.isEmpty ? "" : folder + "/") + "pm-projections.sqlite"
        } else {
            configuration.projectionsPath = dataDirectory + "/pm-projections.sqlite"
        }
        if let path = reader.value("PM_PROJECTIONS_PATH") { configuration.projectionsPath = path }
        if let text = reader.value("PM_PROJECTIONS_RETENTION_DAYS") {
            guard let days = Int(text), (0...36_500).contains(days) else {
                throw ConfigurationError("PM_PROJECTIONS_RETENTION_DAYS", "'\(text)' is not a whole number of days from 0 (keep everything) to 36500")
            }
            configuration.projectionsRetentionDays = days
        }
        configuration.experiencePort = try reader.port("PM_EXPERIENCE_LISTEN_PORT", default: 4010)
        configuration.experienceListenAddress = reader.value("PM_EXPERIENCE_LISTEN_ADDRESS") ?? "127.0.0.1"
        // The portal's cookies and passwords travel over plain HTTP: it stays on this host, behind a TLS proxy for others.
        if !Self.isLoopback(configuration.experienceListenAddress) {
            throw ConfigurationError("PM_EXPERIENCE_LISTEN_ADDRESS", "'\(configuration.experienceListenAddress)' is reachable from other hosts; "
                                     + "the portal and the experience API are served over plain HTTP and listen on the loopback interface only "
                                     + "(put a TLS reverse proxy in front of them for other hosts)")
        }
        if reader.value("PM_PORTAL_USERS_FILE") != nil {
            configuration.portalUsersPath = try reader.file("PM_PORTAL_USERS_FILE", because: "it is set")
        }
        configuration.portalSessionIdleMinutes = try reader.positive("PM_PORTAL_SESSION_IDLE_MINUTES", default: 30)
        if let issuer = reader.value("PM_PORTAL_OIDC_ISSUER") {
            guard issuer.hasPrefix("https://") || issuer.hasPrefix("http://127.") || issuer.hasPrefix("http://localhost") else {
                throw ConfigurationError("PM_PORTAL_OIDC_ISSUER", "'\(issuer)' must be an https URL (http only on this host)")
            }
            guard let clientId = reader.value("PM_PORTAL_OIDC_CLIENT_ID") else {
                throw ConfigurationError("PM_PORTAL_OIDC_CLIENT_ID", "is required when PM_PORTAL_OIDC_ISSUER is set")
            }
            guard let redirect = reader.value("PM_PORTAL_OIDC_REDIRECT_URL"), redirect.hasSuffix("/oidc/callback") else {
                throw ConfigurationError("PM_PORTAL_OIDC_REDIRECT_URL", "is required when PM_PORTAL_OIDC_ISSUER is set: this portal's /oidc/callback as browsers reach it")
            }
            configuration.portalOIDC = OIDCSettings(issuer: issuer, clientId: clientId, redirectURL: redirect,
                                                    rolesClaim: reader.value("PM_PORTAL_OIDC_ROLES_CLAIM") ?? "roles",
                                                    scopes: reader.value("PM_PORTAL_OIDC_SCOPES") ?? "openid profile")
            if reader.value("PM_PORTAL_OIDC_CLIENT_SECRET_PATH") != nil {
                configuration.portalOIDCClientSecretPath = try reader.file("PM_PORTAL_OIDC_CLIENT_SECRET_PATH", because: "it is set")
            }
        }
        if let text = reader.value("PM_LOG_DURABILITY") {
            guard let durability = SQLiteLogConfiguration.Durability(rawValue: text.lowercased()) else {
                throw ConfigurationError("PM_LOG_DURABILITY", "'\(text)' must be full or normal")
            }
            configuration.logDurability = durability
        }
        return configuration
    }

    /// The read side's settings: the projection store, its retention, the experience API's address, and the portal's
    /// users (read from their file now).
    public func readSideSettings() throws(ConfigurationError) -> ReadSideServices.Settings {
        var users = PortalUsers([])
        if let portalUsersPath {
            do { users = try PortalUsers(file: portalUsersPath) } catch { throw ConfigurationError("PM_PORTAL_USERS_FILE", error.description) }
        }
        var oidc = portalOIDC
        if let path = portalOIDCClientSecretPath {
            do {
                oidc?.clientSecret = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ConfigurationError("PM_PORTAL_OIDC_CLIENT_SECRET_PATH", "'\(path)' cannot be read")
            }
        }
        return ReadSideServices.Settings(
            path: projectionsPath, retentionMilliseconds: projectionsRetentionDays == 0 ? nil : Int64(projectionsRetentionDays) * 86_400_000,
            host: experienceListenAddress, port: experiencePort, limits: connectionLimits, users: users,
            sessionIdle: .seconds(portalSessionIdleMinutes * 60), oidc: oidc)
    }

    /// Whether an address is the loopback interface (`127.0.0.0/8`, `::1`, `localhost`).
    static func isLoopback(_ address: String) -> Bool {
        address == "localhost" || address == "::1" || address == "[::1]" || address.hasPrefix("127.")
    }

    /// The effective configuration as `NAME=value` lines, the ILP secret redacted (key files are paths).
    public var redactedLines: [String] {
        var lines = [
            "DFSP_ID=\(dfspId)", "INBOUND_LISTEN_PORT=\(inboundPort)", "OUTBOUND_LISTEN_PORT=\(outboundPort)",
            "PEER_ENDPOINT=\(peerEndpoint)", "ALS_ENDPOINT=\(alsEndpoint)", "QUOTES_ENDPOINT=\(quotesEndpoint)",
            "TRANSFERS_ENDPOINT=\(transfersEndpoint)", "TRANSACTION_REQUESTS_ENDPOINT=\(transactionRequestsEndpoint)",
            "BULK_QUOTES_ENDPOINT=\(bulkQuotesEndpoint)", "BULK_TRANSFERS_ENDPOINT=\(bulkTransfersEndpoint)",
            "BACKEND_ENDPOINT=\(backendEndpoint)", "ILP_SECRET=<redacted>", "ILP_VERSION=\(ilpVersion.rawValue)",
            "EXPIRY_SECONDS=\(expirySeconds)", "REQUEST_PROCESSING_TIMEOUT_SECONDS=\(requestTimeoutSeconds)",
            "RESOURCE_VERSIONS=" + resourceVersions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            "CHECK_ILP=\(checkILP)", "RESERVE_NOTIFICATION=\(reserveNotification)", "AUTO_ACCEPT_PARTY=\(autoAcceptParty)",
            "AUTO_ACCEPT_QUOTES=\(autoAcceptQuotes)", "AUTO_ACCEPT_R2P_PARTY=\(autoAcceptR2PParty)",
            "AUTO_ACCEPT_R2P_BUSINESS_QUOTES=\(autoAcceptR2PBusinessQuotes)", "AUTO_ACCEPT_R2P_DEVICE_OTP=\(autoAcceptR2PDeviceOTP)", "REJECT_EXPIRED_QUOTE_RESPONSES=\(rejectExpiredQuoteResponses)",
            "REJECT_TRANSFERS_ON_EXPIRED_QUOTES=\(rejectTransfersOnExpiredQuotes)", "JWS_SIGN=\(jwsSign)",
            "JWS_SIGN_PUT_PARTIES=\(jwsSignPutParties)", "VALIDATE_INBOUND_JWS=\(validateInboundJWS)",
            "VALIDATE_INBOUND_PUT_PARTIES_JWS=\(validateInboundPutPartiesJWS)", "PM_LISTEN_ADDRESS=\(listenAddress)",
            "PM_OUTBOUND_LISTEN_ADDRESS=\(outboundListenAddress)", "PM_HUB_ID=\(hubId)", "PM_INBOUND_DATE_SKEW_SECONDS=\(inboundDateSkewSeconds)",
            "PM_MAX_CONNECTIONS=\(connectionLimits.maximumConnections)", "PM_IDLE_TIMEOUT_SECONDS=\(connectionLimits.idleTimeout.components.seconds)",
            "PM_TLS_HANDSHAKE_TIMEOUT_SECONDS=\(connectionLimits.handshakeTimeout.components.seconds)",
            "PM_MAX_IN_FLIGHT=\(admissionLimits.maximumInFlight)", "PM_MAX_BACKLOG=\(admissionLimits.maximumBacklog)", "PM_OUTBOUND_API_MUTUAL_TLS_ENABLED=\(outboundAccess.tls != nil)",
            "INBOUND_MUTUAL_TLS_ENABLED=\(inboundTLS != nil)", "OUTBOUND_MUTUAL_TLS_ENABLED=\(outboundTLS != nil)",
            "PM_DATA_DIR=\(dataDirectory)", "PM_LOG=\(log)", "PM_LOG_DURABILITY=\(logDurability.rawValue)", "PM_FINISHED_RETENTION_SECONDS=\(finishedRetentionSeconds)",
            "PM_CHECKPOINT_INTERVAL_MS=\(checkpointIntervalMilliseconds)", "PM_ROLES=\(roles)",
            "PM_PROJECTIONS_PATH=\(projectionsPath)", "PM_PROJECTIONS_RETENTION_DAYS=\(projectionsRetentionDays)",
            "PM_EXPERIENCE_LISTEN_ADDRESS=\(experienceListenAddress)", "PM_EXPERIENCE_LISTEN_PORT=\(experiencePort)",
            "PM_PORTAL_SESSION_IDLE_MINUTES=\(portalSessionIdleMinutes)",
        ]
        if let portalUsersPath { lines.append("PM_PORTAL_USERS_FILE=\(portalUsersPath)") }
        if let portalOIDC {
            lines += ["PM_PORTAL_OIDC_ISSUER=\(portalOIDC.issuer)", "PM_PORTAL_OIDC_CLIENT_ID=\(portalOIDC.clientId)",
                      "PM_PORTAL_OIDC_REDIRECT_URL=\(portalOIDC.redirectURL)", "PM_PORTAL_OIDC_ROLES_CLAIM=\(portalOIDC.rolesClaim)",
                      "PM_PORTAL_OIDC_SCOPES=\(portalOIDC.scopes)"]
        }
        if let portalOIDCClientSecretPath { lines.append("PM_PORTAL_OIDC_CLIENT_SECRET_PATH=\(portalOIDCClientSecretPath)") }
        if let jwsSigningKeyPath { lines.append("JWS_SIGNING_KEY_PATH=\(jwsSigningKeyPath)") }
        if let jwsVerificationKeysDirectory { lines.append("JWS_VERIFICATION_KEYS_DIRECTORY=\(jwsVerificationKeysDirectory)") }
        if let tokenPath = outboundAccess.tokenPath { lines.append("PM_OUTBOUND_API_TOKEN_PATH=\(tokenPath)") }
        if !kafkaProperties.isEmpty {
            lines.append("PM_KAFKA_PROPERTIES=" + kafkaProperties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
        }
        for (property, path) in kafkaSecretFiles.sorted(by: { $0.key < $1.key }) {
            lines.append("\(Self.kafkaSecretProperties[property] ?? property)=\(path)")
        }
        return lines
    }
}

/// Reads and checks environment variables, naming the variable in every refusal.
struct EnvironmentReader {
    let environment: [String: String]
    let fileExists: (String) -> Bool

    func value(_ name: String) -> String? {
        guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }

    func bool(_ name: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        guard let text = value(name) else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError(name, "'\(text)' is not a boolean (true or false)")
        }
    }

    func port(_ name: String, default fallback: Int) throws(ConfigurationError) -> Int {
        guard let text = value(name) else { return fallback }
        guard let port = Int(text), (0...65535).contains(port) else { throw ConfigurationError(name, "'\(text)' is not a port (0 to 65535)") }
        return port
    }

    func positive(_ name: String, default fallback: Int) throws(ConfigurationError) -> Int {
        guard let text = value(name) else { return fallback }
        // Bounded so that no setting can overflow the date and duration arithmetic it feeds.
        guard let number = Int(text), (1...Int(Int32.max)).contains(number) else {
            throw ConfigurationError(name, "'\(text)' is not a whole number from 1 to \(Int32.max)")
        }
        return number
    }

    func fspId(_ name: String) throws(ConfigurationError) -> String {
        guard let text = value(name) else { throw ConfigurationError(name, "is required: this DFSP's FSP id") }
        guard FSPIOPFormat.isHeaderSafeFspId(text) else {
            throw ConfigurationError(name, "an FSP id has 1 to 32 visible ASCII characters (it is sent in FSPIOP-Source)")
        }
        return text
    }

    func secret(_ name: String) throws(ConfigurationError) -> String {
        guard let text = environment[name], !text.isEmpty else { throw ConfigurationError(name, "is required (there is no safe default)") }
        return text
    }

    func endpoint(_ name: String, scheme: String, fallback: Endpoint? = nil) throws(ConfigurationError) -> Endpoint {
        guard let text = value(name) else {
            if let fallback { return fallback }
            throw ConfigurationError(name, "is required (host:port or a URL)")
        }
        switch Endpoint.parse(text, defaultScheme: scheme) {
        case let .success(endpoint): return endpoint
        case let .failure(error): throw ConfigurationError(name, "'\(text)': \(error.reason)")
        }
    }

    func ilpVersion(_ name: String) throws(ConfigurationError) -> ILPVersion {
        guard let text = value(name) else { return .v1 }
        guard let number = Int(text), let version = ILPVersion(rawValue: number) else { throw ConfigurationError(name, "'\(text)' must be 1 or 4") }
        return version
    }

    /// `parties=1.1,transfers=1.1`: every resource one of FSPIOP's and every version a supported one.
    func resourceVersions(_ name: String) throws(ConfigurationError) -> [String: APIVersion] {
        guard let text = value(name) else { return [:] }
        var result: [String: APIVersion] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "=", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, FSPIOPResource(rawValue: parts[0]) != nil else {
                throw ConfigurationError(name, "'\(entry)' is not resource=major.minor with an FSPIOP resource")
            }
            guard let version = APIVersion(parts[1]), APIVersion.supported.contains(version) else {
                throw ConfigurationError(name, "'\(entry)': the version must be one of 1.0, 1.1, 2.0")
            }
            result[parts[0]] = version
        }
        return result
    }

    func file(_ name: String, because reason: String) throws(ConfigurationError) -> String {
        guard let path = value(name) else { throw ConfigurationError(name, "is required because \(reason)") }
        guard fileExists(path) else { throw ConfigurationError(name, "'\(path)' cannot be read") }
        return path
    }

    func tls(ca: String, certificate: String, key: String, because reason: String) throws(ConfigurationError) -> TLSFiles {
        guard let caText = value(ca) else { throw ConfigurationError(ca, "is required because \(reason)") }
        let caPaths = caText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for path in caPaths where !fileExists(path) { throw ConfigurationError(ca, "'\(path)' cannot be read") }
        return TLSFiles(caCertificatePaths: caPaths, certificatePath: try file(certificate, because: reason), keyPath: try file(key, because: reason))
    }
}
