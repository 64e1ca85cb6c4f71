import EventLog
import FSPIOP
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PaymentDomain
import ServiceLifecycle

/// Everything the Mojaloop Connector needs to run, as typed values (built from the YAML file, the
/// SDK's environment variables and flags by the composition root).
/// How the core reaches the outbound API: a private API, on loopback unless configured otherwise, that can
/// require a bearer token and a client certificate.
public struct OutboundAccess: Sendable, Hashable {
    /// `PM_OUTBOUND_API_TOKEN_PATH`: a file holding the token the core must send as `Authorization: Bearer ...`.
    public var tokenPath: String?
    /// `PM_OUTBOUND_API_MUTUAL_TLS_ENABLED`: the outbound API serves TLS and requires a client certificate
    /// signed by one of these CAs.
    public var tls: TLSFiles?

    public init(tokenPath: String? = nil, tls: TLSFiles? = nil) {
        self.tokenPath = tokenPath
        self.tls = tls
    }

    /// True when the core must prove who it is (a token, a client certificate, or both).
    public var authenticates: Bool { tokenPath != nil || tls != nil }

    /// The shortest token accepted, in bytes: long enough that guessing it is hopeless.
    public static let minimumTokenBytes = 16

    /// Reads the token file: its content without surrounding whitespace.
    /// - Throws: ``OutboundAccessError`` when it cannot be read or is shorter than ``minimumTokenBytes``.
    func token() throws(OutboundAccessError) -> [UInt8]? {
        guard let tokenPath else { return nil }
        let text: String
        do { text = try String(contentsOfFile: tokenPath, encoding: .utf8) } catch {
            throw OutboundAccessError("the outbound API token file '\(tokenPath)' cannot be read: \(error.localizedDescription)")
        }
        let token = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard token.count >= Self.minimumTokenBytes else {
            throw OutboundAccessError("the outbound API token in '\(tokenPath)' has \(token.count) bytes; at least \(Self.minimumTokenBytes) are required")
        }
        return token
    }
}

/// A token file that cannot serve: unreadable, or too short.
public struct OutboundAccessError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

public struct ConnectorSettings: Sendable {
    public var dfspId: String
    /// The address the inbound FSPIOP server listens on (`PM_LISTEN_ADDRESS`).
    public var host: String
    /// The address the outbound API listens on (`PM_OUTBOUND_LISTEN_ADDRESS`): loopback by default, since only
    /// the core may call it.
    public var outboundHost = "127.0.0.1"
    /// What the outbound API requires of its callers.
    public var outboundAccess = OutboundAccess()
    /// `PM_HUB_ID` (`switch`): the hub's FSP id, the `FSPIOP-Source` of what it originates.
    public var hubId = "switch"
    /// `PM_INBOUND_DATE_SKEW_SECONDS` (300): how far a received request's `Date` may be from this server's clock; nil
    /// accepts any.
    public var inboundDateSkewSeconds: Int? = 300
    /// What each of the two servers allows its connections (`PM_MAX_CONNECTIONS`, `PM_IDLE_TIMEOUT_SECONDS`,
    /// `PM_TLS_HANDSHAKE_TIMEOUT_SECONDS`).
    public var connectionLimits = ConnectionLimits()
    /// How much each API takes on at once (`PM_MAX_IN_FLIGHT`, `PM_MAX_BACKLOG`).
    public var admissionLimits = AdmissionLimits()
    public var inboundPort: Int
    public var outboundPort: Int
    public var hub: HubEndpoints
    public var backendURL: String
    public var outbound: OutboundConfiguration
    public var inbound: InboundConfiguration
    /// `JWS_SIGN` with `JWS_SIGNING_KEY_PATH`: the key that signs requests to the hub, or nil.
    public var jwsSigningKeyPath: String?
    public var jwsSignPutParties: Bool
    /// `VALIDATE_INBOUND_JWS` with `JWS_VERIFICATION_KEYS_DIRECTORY`, or nil when validation is off.
    public var jwsVerificationKeysDirectory: String?
    public var validatePutPartiesJWS: Bool
    /// `INBOUND_MUTUAL_TLS_ENABLED`: the inbound server requires client certificates.
    public var inboundTLS: TLSFiles?
    /// `OUTBOUND_MUTUAL_TLS_ENABLED`: requests to the hub present a client certificate.
    public var outboundTLS: TLSFiles?
    public var resourceVersions: [String: APIVersion]
    public var topics: ConnectorTopics
    public var processorGroup: String
    /// `PM_FINISHED_RETENTION_SECONDS` (300): how long ended transfers stay in memory.
    public var finishedRetentionSeconds: Int = 300
    /// `PM_CHECKPOINT_INTERVAL_MS` (10000): how often the processor records from when a restart folds the log.
    public var checkpointIntervalMilliseconds: Int = 10_000
    /// `PM_ROLES` (both): the edges, the processor, or both in this process.
    public var roles: ConnectorRoles = .all

    public init(dfspId: String, host: String = "0.0.0.0", inboundPort: Int = 4000, outboundPort: Int = 4001, hub: HubEndpoints,
                backendURL: String, outbound: OutboundConfiguration, inbound: InboundConfiguration, jwsSigningKeyPath: String? = nil,
                jwsSignPutParties: Bool = false, jwsVerificationKeysDirectory: String? = nil, validatePutPartiesJWS: Bool = false,
                inboundTLS: TLSFiles? = nil, outboundTLS: TLSFiles? = nil, resourceVersions: [String: APIVersion] = [:],
                topics: ConnectorTopics = ConnectorTopics(), processorGroup: String = "pm.processor") {
        self.dfspId = dfspId
        self.host = host
        self.inboundPort = inboundPort
        self.outboundPort = outboundPort
        self.hub = hub
        self.backendURL = backendURL
        self.outbound = outbound
        self.inbound = inbound
        self.jwsSigningKeyPath = jwsSigningKeyPath
        self.jwsSignPutParties = jwsSignPutParties
        self.jwsVerificationKeysDirectory = jwsVerificationKeysDirectory
        self.validatePutPartiesJWS = validatePutPartiesJWS
        self.inboundTLS = inboundTLS
        self.outboundTLS = outboundTLS
        self.resourceVersions = resourceVersions
        self.topics = topics
        self.processorGroup = processorGroup
    }
}

/// The Mojaloop Connector: the inbound FSPIOP server, the outbound API server, the processor with its
/// hub and backend clients, over one event log. One `Service`; its parts stop together.
public final class Connector: Service, Sendable {
    public let settings: ConnectorSettings
    /// What the connector counts and times, through swift-metrics (its own Prometheus registry by default, rendered at
    /// `/metrics`).
    public let metrics: HTTPMetrics
    public let board = OutboundBoard()
    /// Facts recorded and not yet processed, measured for the APIs' admission.
    public let backlog = Backlog()
    /// The outbound API's admission: its requests in flight.
    let outboundAdmission: Admission
    let log: any EventLog
    let logger: Logger
    let hubHTTP: PooledHTTPClient
    let backendHTTP: PooledHTTPClient
    /// The processor, when this process has the processor role.
    public let processor: Processor?
    let feeder: BoardFeeder?
    /// The inbound FSPIOP server, when this process has the edge role.
    public let inboundServer: HTTPServer<InboundAPI>?
    /// The outbound API server (with only the edge role's operations endpoints without it).
    public let outboundServer: HTTPServer<OutboundAPI>
    private let readiness = Latch<Void>()

    /// Builds the parts; reads the keys and certificates now, so that a wrong file stops the start. `metrics` may record
    /// through another swift-metrics backend (``HTTPMetrics/init(factory:)``); `/metrics` then shows nothing.
    public init(settings: ConnectorSettings, log: any EventLog, metrics: HTTPMetrics = HTTPMetrics(), logger: Logger) throws {
        self.settings = settings
        self.metrics = metrics
        self.log = log
        self.logger = logger
        // Keep-alive connections, at most 64 per origin, closed after 4 s idle; 10 s to connect.
        hubHTTP = try PooledHTTPClient(configuration: .init(tls: try settings.outboundTLS?.clientConfiguration()))
        backendHTTP = try PooledHTTPClient(configuration: .init())
        var signer: JWSSigner?
        if let path = settings.jwsSigningKeyPath {
            signer = JWSSigner(key: try SigningKey(pem: try String(contentsOfFile: path, encoding: .utf8)))
        }
        let keys = try settings.jwsVerificationKeysDirectory.map { try JWSKeyDirectory(path: $0, logger: logger) }
        let hub = HubClient(dfspId: settings.dfspId, endpoints: settings.hub, signer: signer, signPutParties: settings.jwsSignPutParties,
                            resourceVersions: settings.resourceVersions, http: hubHTTP,
                            timeout: .seconds(Int64(settings.outbound.requestTimeoutSeconds)), metrics: metrics)
        let backend = BackendClient(baseURL: settings.backendURL, http: backendHTTP, metrics: metrics)
        var processorSettings = Processor.Settings(outbound: settings.outbound, inbound: settings.inbound, topics: settings.topics,
                                                   group: settings.processorGroup,
                                                   finishedRetentionMilliseconds: Int64(settings.finishedRetentionSeconds) * 1000,
                                                   checkpointIntervalMilliseconds: Int64(settings.checkpointIntervalMilliseconds))
        // Dedicated processor processes may run in several copies: one leads, the others stand by.
        processorSettings.electsLeader = settings.roles.intersection(.connector) == .processor
        processorSettings.hubId = settings.hubId
        let processor = Processor(log: log, settings: processorSettings, hub: hub, backend: backend, board: board, metrics: metrics, logger: logger)
        self.processor = settings.roles.contains(.processor) ? processor : nil
        // Without the processor in this process, the board follows the processor's events on the log.
        feeder = settings.roles.contains(.processor) ? nil
            : BoardFeeder(log: log, topics: settings.topics, board: board, recoverer: processor.recoverer,
                          retentionMilliseconds: processorSettings.finishedRetentionMilliseconds, logger: logger)
        let edge = settings.roles.contains(.edge)
        if edge {
            var inboundSettings = InboundAPI.Settings(dfspId: settings.dfspId, topics: settings.topics, jwsKeys: keys,
                                                      validatePutPartiesJWS: settings.validatePutPartiesJWS)
            inboundSettings.dateSkewSeconds = settings.inboundDateSkewSeconds
            let inboundAPI = InboundAPI(log: log, settings: inboundSettings, metrics: metrics, hub: hub,
                                        admission: Admission(limits: settings.admissionLimits, backlog: backlog), logger: logger)
            inboundServer = HTTPServer(name: "inbound", host: settings.host, port: settings.inboundPort,
                                       tls: try settings.inboundTLS?.serverConfiguration(), limits: settings.connectionLimits,
                                       responder: inboundAPI, metrics: metrics, logger: logger)
        } else {
            inboundServer = nil
        }
        let readiness = self.readiness
        var outboundSettings = OutboundAPI.Settings(topics: settings.topics, configuration: settings.outbound)
        outboundSettings.bearerToken = try settings.outboundAccess.token()
        outboundSettings.servesAPI = edge
        outboundSettings.followsLog = feeder != nil
        outboundAdmission = Admission(limits: settings.admissionLimits, backlog: backlog)
        let outboundAPI = OutboundAPI(log: log, settings: outboundSettings, board: board, metrics: metrics, admission: outboundAdmission,
                                      ready: { readiness.settledValue != nil }, logger: logger)
        // A processor-only process answers /health, /ready and /metrics on the outbound port.
        outboundServer = HTTPServer(name: edge ? "outbound" : "operations", host: settings.outboundHost, port: settings.outboundPort,
                                    tls: try settings.outboundAccess.tls?.serverConfiguration(), limits: settings.connectionLimits,
                                    responder: outboundAPI, metrics: metrics, logger: logger)
    }

    public func run() async throws {
        defer {
            readiness.fail("the connector stopped before it was ready")
            logger.info("connector stopped")
        }
        try await withThrowingDiscardingTaskGroup { group in
            if let processor {
                group.addTask {
                    try await processor.run()
                    self.logger.debug("processor stopped")
                }
            }
            if let feeder {
                group.addTask {
                    try await feeder.run()
                    self.logger.debug("board feeder stopped")
                }
            }
            group.addTask {
                try await self.processor?.ready()
                try await self.feeder?.ready()
                self.readiness.succeed(())
            }
            if let inboundServer {
                group.addTask {
                    try await inboundServer.run()
                    self.logger.debug("inbound server stopped")
                }
            }
            group.addTask {
                try await self.outboundServer.run()
                self.logger.debug("outbound server stopped")
            }
            group.addTask { await self.measureBacklog() }
        }
        await hubHTTP.shutdown()
        await backendHTTP.shutdown()
    }

    /// Measures the work recorded and not yet done, for the APIs' admission, until shutdown: the processor's group's lag
    /// on the fact topics, and the effects it has under way (hub requests and core calls, where work piles up when more
    /// arrives than the hub, the core and this machine can finish).
    func measureBacklog() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let facts = Int(try await self.log.groupLag(self.settings.processorGroup).reduce(0) { $0 + $1.lag })
                    let effects = self.processor?.effectsInFlight ?? 0
                    self.backlog.update(facts + effects)
                    self.metrics.gauge("pm_backlog_facts", Double(facts))
                    self.metrics.gauge("pm_effects_in_flight", Double(effects))
                } catch {
                    self.metrics.count("pm_backlog_measure_failures_total")
                    self.logger.debug("cannot measure the processor's backlog", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Waits until both servers listen and the processor consumes; returns the two ports. Throws if the
    /// connector stopped or failed before it was ready.
    public func ready() async throws(LatchFailure) -> (inbound: Int, outbound: Int) {
        try await readiness.value()
        return (try await inboundServer?.listeningPort() ?? 0, try await outboundServer.listeningPort())
    }
}
