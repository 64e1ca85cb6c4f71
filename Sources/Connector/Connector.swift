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
public struct ConnectorSettings: Sendable {
    public var dfspId: String
    /// The address the two servers listen on.
    public var host: String
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
    public let metrics = HTTPMetrics()
    public let board = OutboundBoard()
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

    /// Builds the parts; reads the keys and certificates now, so that a wrong file stops the start.
    public init(settings: ConnectorSettings, log: any EventLog, logger: Logger) throws {
        self.settings = settings
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
        processorSettings.electsLeader = settings.roles == .processor
        let processor = Processor(log: log, settings: processorSettings, hub: hub, backend: backend, board: board, metrics: metrics, logger: logger)
        self.processor = settings.roles.contains(.processor) ? processor : nil
        // Without the processor in this process, the board follows the processor's events on the log.
        feeder = settings.roles.contains(.processor) ? nil
            : BoardFeeder(log: log, topics: settings.topics, board: board, recoverer: processor.recoverer,
                          retentionMilliseconds: processorSettings.finishedRetentionMilliseconds, logger: logger)
        let edge = settings.roles.contains(.edge)
        if edge {
            let inboundAPI = InboundAPI(log: log, settings: InboundAPI.Settings(topics: settings.topics, jwsKeys: keys,
                                                                               validatePutPartiesJWS: settings.validatePutPartiesJWS),
                                        metrics: metrics, hub: hub, logger: logger)
            inboundServer = HTTPServer(name: "inbound", host: settings.host, port: settings.inboundPort,
                                       tls: try settings.inboundTLS?.serverConfiguration(), responder: inboundAPI, logger: logger)
        } else {
            inboundServer = nil
        }
        let readiness = self.readiness
        var outboundSettings = OutboundAPI.Settings(topics: settings.topics, configuration: settings.outbound)
        outboundSettings.servesAPI = edge
        outboundSettings.followsLog = feeder != nil
        let outboundAPI = OutboundAPI(log: log, settings: outboundSettings, board: board, metrics: metrics,
                                      ready: { readiness.settledValue != nil }, logger: logger)
        // A processor-only process answers /health, /ready and /metrics on the outbound port.
        outboundServer = HTTPServer(name: edge ? "outbound" : "operations", host: settings.host, port: settings.outboundPort, tls: nil,
                                    responder: outboundAPI, logger: logger)
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
        }
        await hubHTTP.shutdown()
        await backendHTTP.shutdown()
    }

    /// Waits until both servers listen and the processor consumes; returns the two ports. Throws if the
    /// connector stopped or failed before it was ready.
    public func ready() async throws(LatchFailure) -> (inbound: Int, outbound: Int) {
        try await readiness.value()
        return (try await inboundServer?.listeningPort() ?? 0, try await outboundServer.listeningPort())
    }
}
