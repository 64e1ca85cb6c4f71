import Connector
import EventLog
import Foundation
import Logging
import Portal
import ReadSide
import ServiceLifecycle

/// The read side of one Payment Manager: its projection store, the service that keeps it up to date with the
/// log, and the experience API's server.
public final class ReadSideServices: Sendable {
    public struct Settings: Sendable {
        /// The projection store's SQLite file.
        public var path: String
        public var topics: ConnectorTopics
        /// Read models older than this are deleted (nil: kept).
        public var retentionMilliseconds: Int64?
        /// The experience API's address and port (0: any free port).
        public var host: String
        public var port: Int
        public var limits: ConnectionLimits
        /// Who may sign in to the portal and the experience API (nobody when empty).
        public var users: PortalUsers
        /// How long a portal session lasts without a request.
        public var sessionIdle: Duration
        /// Sign-in through an OpenID Connect provider, beside the local users.
        public var oidc: OIDCSettings?

        public init(path: String, topics: ConnectorTopics = ConnectorTopics(), retentionMilliseconds: Int64?, host: String = "127.0.0.1",
                    port: Int, limits: ConnectionLimits = ConnectionLimits(), users: PortalUsers = PortalUsers([]),
                    sessionIdle: Duration = .seconds(30 * 60), oidc: OIDCSettings? = nil) {
            self.path = path
            self.topics = topics
            self.retentionMilliseconds = retentionMilliseconds
            self.host = host
            self.port = port
            self.limits = limits
            self.users = users
            self.sessionIdle = sessionIdle
            self.oidc = oidc
        }
    }

    public let store: ProjectionStore
    public let projections: ProjectionService
    public let server: HTTPServer<PortalResponder>
    /// Checks that the hub answers, for the portal's connection page.
    public let probe: HubProbe
    /// Samples the request metrics for the service page's rates.
    public let sampler: MetricsSampler

    /// `connector`: the settings of the connector whose log this is, for the technical pages.
    public init(settings: Settings, connector: ConnectorSettings, log: any EventLog, metrics: HTTPMetrics, logger: Logger) throws {
        let folder = (settings.path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let topics = settings.topics
        store = try ProjectionStore(path: settings.path, topics: ProjectionTopics(
            events: topics.transfers, facts: [topics.fspiopInbound, topics.coreInbound, topics.fspiopOutbound, topics.refusals]))
        projections = ProjectionService(
            log: log, store: store, settings: .init(topicSpecs: topics.specs, retentionMilliseconds: settings.retentionMilliseconds),
            metricsFactory: metrics.factory, logger: logger)
        let api = ExperienceAPI(store: store, service: projections, metrics: metrics, now: { Self.wallClockMilliseconds() }, logger: logger)
        if settings.users.users.isEmpty && settings.oidc == nil {
            logger.warning("no portal user is configured (PM_PORTAL_USERS_FILE): nobody can sign in to the portal or read the experience API")
        }
        probe = HubProbe(endpoints: connector.hub, http: try PooledHTTPClient(configuration: .init(tls: try connector.outboundTLS?.clientConfiguration())),
                         logger: logger)
        let source = TechnicalSnapshotSource(settings: connector, log: log, probe: probe)
        sampler = MetricsSampler(metrics: metrics)
        let portal = PortalResponder(
            settings: .init(dfspId: connector.dfspId, users: settings.users, sessionIdle: settings.sessionIdle, oidc: settings.oidc), api: api, store: store,
            service: projections, metrics: metrics, now: { Self.wallClockMilliseconds() }, snapshot: { await source.snapshot() },
            checkHub: { [probe] in await probe.checkAll() }, sampler: sampler, logger: logger)
        server = HTTPServer(name: "experience", host: settings.host, port: settings.port, tls: nil, limits: settings.limits,
                            responder: portal, metrics: metrics, logger: logger)
    }

    public var services: [any Service] { [projections, server, probe, sampler] }

    /// The experience API's port, once it listens.
    public func listeningPort() async throws -> Int { try await server.listeningPort() }

    static func wallClockMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
