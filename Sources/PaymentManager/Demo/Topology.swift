import Connector
import EventLog
import FSPIOP
import Foundation
import Logging
import Portal
import PaymentDomain
import ServiceLifecycle
import Simulators

/// The demo's world on 127.0.0.1: a hub simulator, a payer and a payee Payment Manager (each with its
/// own embedded log unless told otherwise), and each one's core simulator; a test PKI with mutual TLS
/// and JWS on every FSPIOP hop. Used by `pm demo`, `pm bench e2e` and the end-to-end tests.
public final class Topology: Sendable {
    public struct Options: Sendable {
        /// Where the PKI, the logs and the data go.
        public var directory: String
        public var payerId: String = "payerfsp"
        public var payeeId: String = "payeefsp"
        public var currency: String = "XXX"
        /// Mutual TLS on the FSPIOP hops (hub <-> connectors).
        public var mutualTLS = true
        /// JWS signing and validation on the FSPIOP hops.
        public var jws = true
        /// How many payer and payee accounts the core simulators hold.
        public var accounts = 10
        /// Each payer account's opening balance.
        public var openingBalance = "1000000"
        /// The hub's net debit cap for each DFSP.
        public var netDebitCap = "100000000"
        /// `REQUEST_PROCESSING_TIMEOUT_SECONDS` of the connectors.
        public var requestTimeoutSeconds = 30
        /// `EXPIRY_SECONDS` of the connectors.
        public var expirySeconds = 20
        /// `RESERVE_NOTIFICATION` of the payee.
        public var reserveNotification = false
        /// How long the payee core's quotes are valid.
        public var payeeQuoteExpirySeconds = 60
        /// `REJECT_TRANSFERS_ON_EXPIRED_QUOTES` of the payee.
        public var rejectTransfersOnExpiredQuotes = false
        /// More participants and account-lookup records for the hub (a DFSP that does not answer, say).
        public var extraParticipants: [HubParticipant] = []
        public var extraParties: [HubParty] = []
        /// The payer's log (`nil`: an SQLite file under the directory).
        public var payerLog: String?
        public var payeeLog: String?
        /// The embedded logs' durability (`synchronous=FULL` by default).
        public var durability: SQLiteLogConfiguration.Durability = .full
        /// How long ended transfers stay in the connectors' memory.
        public var finishedRetentionSeconds = 300
        /// When set, the hub and core simulators keep only this many finished transfers (long runs).
        public var simulatorKeepFinished: Int?
        /// The payer as two Payment Managers on its Kafka log (`payerLog` `kafka-mock`): one with the edges
        /// (the ports), one with the processor, each with its own Kafka clients, as two processes would be.
        public var splitPayer = false
        /// With ``splitPayer``: whether the topology runs the payer's processor itself; without, the caller makes
        /// and runs them (``makePayerProcessor()``), say two to watch one take over from the other.
        public var runsPayerProcessor = true
        /// What the connectors' servers allow their connections.
        public var connectionLimits = ConnectionLimits()
        /// How much the connectors' APIs take on at once.
        public var admissionLimits = AdmissionLimits()
        /// Connections the payer's core simulator may open to its connector at once.
        public var payerCoreConnections = 256
        /// A bearer token the payer's outbound API requires; its core simulator sends it. Nil requires none.
        public var payerOutboundToken: String?
        /// Whether the payer and the payee keep their projections and serve the experience API.
        public var readSide = false
        /// The port of the payer's experience API (0: a free port).
        public var payerExperiencePort = 0
        /// Who may sign in to both DFSPs' portals.
        public var portalUsers: [PortalUser] = []
        /// Sign-in to the payer's portal through an OpenID Connect provider.
        public var payerPortalOIDC: OIDCSettings?

        public init(directory: String) { self.directory = directory }
    }

    public let options: Options
    public let pki: TestPKI
    public let hub: HubSimulator
    public let payer: Connector
    public let payee: Connector
    /// The payer's processor, when ``Options/splitPayer`` runs it apart from the payer's edges (`payer`).
    public let payerProcessor: Connector?
    let payerProcessorLog: (any EventLog)?
    /// The settings of the payer's processor-only Payment Managers, with ``Options/splitPayer``.
    let payerProcessorSettings: ConnectorSettings?
    let logger: Logger
    /// The payer's and the payee's settings (what their decisions depend on, for ``ReplayVerification``).
    public let payerSettings: ConnectorSettings
    public let payeeSettings: ConnectorSettings
    /// The payer's and the payee's read sides, with ``Options/readSide``.
    public let payerReadSide: ReadSideServices?
    public let payeeReadSide: ReadSideServices?
    public let payerCore: CoreSimulator
    public let payeeCore: CoreSimulator
    public let payerLog: any EventLog
    public let payeeLog: any EventLog
    let payerOpenLog: OpenLog
    let payeeOpenLog: OpenLog
    public let ports: Ports

    public struct Ports: Sendable {
        public var hub: Int
        public var payerInbound: Int
        public var payerOutbound: Int
        public var payeeInbound: Int
        public var payeeOutbound: Int
        public var payerCore: Int
        public var payeeCore: Int
    }

    /// The payer accounts (`payer-<n>`, MSISDN 2771000000<n>) and payee accounts (MSISDN 2772000000<n>).
    public func payerAccount(_ index: Int) -> String { Self.payerAccountId(index) }
    static func payerAccountId(_ index: Int) -> String { "payer-\(index)" }
    public func payeeParty(_ index: Int) -> TransferParty {
        TransferParty(idType: "MSISDN", idValue: Self.payeeMSISDN(index))
    }
    static func payerMSISDN(_ index: Int) -> String { "2771" + String(format: "%07d", index) }
    static func payeeMSISDN(_ index: Int) -> String { "2772" + String(format: "%07d", index) }

    public init(options: Options, logger: Logger) async throws {
        self.options = options
        let directory = options.directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pki = try TestPKI.generate(in: directory + "/pki", participants: ["switch", options.payerId, options.payeeId])
        self.pki = pki
        let ports = Ports(hub: try FreePort.allocate(), payerInbound: try FreePort.allocate(), payerOutbound: try FreePort.allocate(),
                          payeeInbound: try FreePort.allocate(), payeeOutbound: try FreePort.allocate(),
                          payerCore: try FreePort.allocate(), payeeCore: try FreePort.allocate())
        self.ports = ports
        let scheme = options.mutualTLS ? "https" : "http"
        let hubFiles = try pki.participant("switch")
        var parties: [HubParty] = []
        for index in 0..<options.accounts {
            parties.append(HubParty(partyIdType: "MSISDN", partyIdentifier: Self.payeeMSISDN(index), fspId: options.payeeId))
            parties.append(HubParty(partyIdType: "MSISDN", partyIdentifier: Self.payerMSISDN(index), fspId: options.payerId))
        }
        hub = HubSimulator(configuration: HubSimulatorConfiguration(
            port: ports.hub,
            participants: [
                HubParticipant(fspId: options.payerId, endpoint: "\(scheme)://127.0.0.1:\(ports.payerInbound)", currency: options.currency, netDebitCap: options.netDebitCap),
                HubParticipant(fspId: options.payeeId, endpoint: "\(scheme)://127.0.0.1:\(ports.payeeInbound)", currency: options.currency, netDebitCap: options.netDebitCap),
            ] + options.extraParticipants,
            parties: parties + options.extraParties,
            serverTLS: options.mutualTLS ? SimulatorTLSFiles(hubFiles.server) : nil,
            clientTLS: options.mutualTLS ? SimulatorTLSFiles(hubFiles.client) : nil,
            signingKeyPath: options.jws ? hubFiles.jwsKeyPath : nil, keepFinishedTransfers: options.simulatorKeepFinished), logger: logger.labelled("hub"))

        var payerAccounts: [CoreAccount] = []
        var payeeAccounts: [CoreAccount] = []
        guard let opening = CoreAmount(options.openingBalance) else { throw TopologyError("bad opening balance \(options.openingBalance)") }
        for index in 0..<options.accounts {
            payerAccounts.append(CoreAccount(id: Self.payerAccountId(index), idType: "MSISDN", idValue: Self.payerMSISDN(index),
                                             displayName: "Payer \(index)", firstName: "Payer", lastName: "Number\(index)",
                                             currency: options.currency, balance: opening))
            payeeAccounts.append(CoreAccount(id: "payee-\(index)", idType: "MSISDN", idValue: Self.payeeMSISDN(index),
                                             displayName: "Payee \(index)", firstName: "Payee", lastName: "Number\(index)",
                                             currency: options.currency, balance: .zero))
        }
        var payerCoreConfiguration = CoreSimulatorConfiguration(
            port: ports.payerCore, accounts: payerAccounts, connectorOutboundURL: URL(string: "http://127.0.0.1:\(ports.payerOutbound)"))
        payerCoreConfiguration.keepFinished = options.simulatorKeepFinished
        payerCoreConfiguration.connectorToken = options.payerOutboundToken
        payerCoreConfiguration.maxOutboundConnections = options.payerCoreConnections
        payerCore = try CoreSimulator(configuration: payerCoreConfiguration, logger: logger.labelled("payer-core"))
        var payeeCoreConfiguration = CoreSimulatorConfiguration(
            port: ports.payeeCore, accounts: payeeAccounts, quoteExpirySeconds: options.payeeQuoteExpirySeconds,
            payeeTransferState: options.reserveNotification ? .reserved : .committed)
        payeeCoreConfiguration.keepFinished = options.simulatorKeepFinished
        payeeCore = try CoreSimulator(configuration: payeeCoreConfiguration, logger: logger.labelled("payee-core"))

        for fsp in [options.payerId, options.payeeId] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(fsp)", withIntermediateDirectories: true)
        }
        payerOpenLog = try OpenLog.open(try LogLocation(options.payerLog ?? "sqlite:\(directory)/\(options.payerId)/log.sqlite"), durability: options.durability)
        payeeOpenLog = try OpenLog.open(try LogLocation(options.payeeLog ?? "sqlite:\(directory)/\(options.payeeId)/log.sqlite"), durability: options.durability)
        payerLog = payerOpenLog.log
        payeeLog = payeeOpenLog.log
        func settings(_ fspId: String, inbound: Int, outbound: Int, core: Int) throws -> ConnectorSettings {
            let files = try pki.participant(fspId)
            var settings = ConnectorSettings(
                dfspId: fspId, host: "127.0.0.1", inboundPort: inbound, outboundPort: outbound,
                hub: HubEndpoints(peer: "\(scheme)://127.0.0.1:\(ports.hub)"), backendURL: "http://127.0.0.1:\(core)",
                outbound: OutboundConfiguration(dfspId: fspId, expirySeconds: options.expirySeconds, requestTimeoutSeconds: options.requestTimeoutSeconds),
                inbound: InboundConfiguration(dfspId: fspId, ilpSecret: "demo-secret-\(fspId)", expirySeconds: options.expirySeconds,
                                              reserveNotification: options.reserveNotification,
                                              rejectTransfersOnExpiredQuotes: options.rejectTransfersOnExpiredQuotes),
                jwsSigningKeyPath: options.jws ? files.jwsKeyPath : nil,
                jwsVerificationKeysDirectory: options.jws ? pki.jwsPublicKeysDirectory : nil,
                inboundTLS: options.mutualTLS ? files.server : nil, outboundTLS: options.mutualTLS ? files.client : nil)
            settings.finishedRetentionSeconds = options.finishedRetentionSeconds
            settings.connectionLimits = options.connectionLimits
            settings.admissionLimits = options.admissionLimits
            try Self.writeConfiguration(settings, files: files, pki: pki, log: "sqlite:\(directory)/\(fspId)/log.sqlite",
                                        to: "\(directory)/\(fspId)/pm.yaml", options: options)
            return settings
        }
        var payerSettings = try settings(options.payerId, inbound: ports.payerInbound, outbound: ports.payerOutbound, core: ports.payerCore)
        if let token = options.payerOutboundToken {
            let path = "\(directory)/\(options.payerId)/outbound-api.token"
            try Data(token.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            payerSettings.outboundAccess.tokenPath = path
        }
        self.logger = logger
        if options.splitPayer {
            guard let cluster = payerOpenLog.mockCluster else { throw TopologyError("splitPayer needs payerLog kafka-mock") }
            var processorSettings = payerSettings
            processorSettings.roles = .processor
            processorSettings.outboundPort = 0
            payerProcessorSettings = processorSettings
            if options.runsPayerProcessor {
                let processorLog = try cluster.makeEventLog()
                payerProcessorLog = processorLog
                payerProcessor = try Connector(settings: processorSettings, log: processorLog, logger: logger.labelled("\(options.payerId)-processor"))
            } else {
                payerProcessorLog = nil
                payerProcessor = nil
            }
            payerSettings.roles = .edge
        } else {
            payerProcessorSettings = nil
            payerProcessorLog = nil
            payerProcessor = nil
        }
        let payerMetrics = HTTPMetrics()
        let payeeMetrics = HTTPMetrics()
        let payeeSettings = try settings(options.payeeId, inbound: ports.payeeInbound, outbound: ports.payeeOutbound, core: ports.payeeCore)
        self.payerSettings = payerSettings
        self.payeeSettings = payeeSettings
        payer = try Connector(settings: payerSettings, log: payerLog, metrics: payerMetrics, logger: logger.labelled(options.payerId))
        payee = try Connector(settings: payeeSettings, log: payeeLog, metrics: payeeMetrics, logger: logger.labelled(options.payeeId))
        if !options.portalUsers.isEmpty {
            // Hashes only: the passwords are the caller's to tell.
            let path = "\(directory)/portal-users.yaml"
            try Data(PortalUsers.yaml(options.portalUsers).utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
        if options.readSide {
            let users = PortalUsers(options.portalUsers)
            payerReadSide = try ReadSideServices(settings: .init(path: "\(directory)/\(options.payerId)/projections.sqlite", retentionMilliseconds: nil,
                                                                 port: options.payerExperiencePort, users: users, oidc: options.payerPortalOIDC),
                                                 connector: payerSettings, log: payerLog, metrics: payerMetrics,
                                                 logger: logger.labelled("\(options.payerId)-read-side"))
            payeeReadSide = try ReadSideServices(settings: .init(path: "\(directory)/\(options.payeeId)/projections.sqlite", retentionMilliseconds: nil, port: 0,
                                                                 users: users),
                                                 connector: payeeSettings, log: payeeLog, metrics: payeeMetrics,
                                                 logger: logger.labelled("\(options.payeeId)-read-side"))
        } else {
            payerReadSide = nil
            payeeReadSide = nil
        }
    }

    /// Writes a DFSP's settings as `pm serve` reads them (the sdk-scheme-adapter's names), so that the demo's logs can be
    /// read by the tools that need the connector's configuration (`pm replay verify --config`).
    static func writeConfiguration(_ settings: ConnectorSettings, files: TestPKI.Participant, pki: TestPKI, log: String, to path: String,
                                   options: Options) throws {
        var lines = [
            "# The demo's settings for \(settings.outbound.dfspId), as pm serve reads them (the sdk-scheme-adapter's names).",
            "DFSP_ID: \(settings.outbound.dfspId)", "PEER_ENDPOINT: \"\(settings.hub.peer)\"", "BACKEND_ENDPOINT: \"\(settings.backendURL)\"",
            "INBOUND_LISTEN_PORT: \(settings.inboundPort)", "OUTBOUND_LISTEN_PORT: \(settings.outboundPort)",
            "ILP_SECRET: \"\(settings.inbound.ilpSecret)\"", "EXPIRY_SECONDS: \(options.expirySeconds)",
            "REQUEST_PROCESSING_TIMEOUT_SECONDS: \(options.requestTimeoutSeconds)", "RESERVE_NOTIFICATION: \(options.reserveNotification)",
            "REJECT_TRANSFERS_ON_EXPIRED_QUOTES: \(options.rejectTransfersOnExpiredQuotes)",
            "PM_LOG: \"\(log)\"", "PM_FINISHED_RETENTION_SECONDS: \(options.finishedRetentionSeconds)",
            "JWS_SIGN: \(options.jws)", "VALIDATE_INBOUND_JWS: \(options.jws)",
            "INBOUND_MUTUAL_TLS_ENABLED: \(options.mutualTLS)", "OUTBOUND_MUTUAL_TLS_ENABLED: \(options.mutualTLS)",
        ]
        if options.jws {
            lines += ["JWS_SIGNING_KEY_PATH: \"\(files.jwsKeyPath)\"", "JWS_VERIFICATION_KEYS_DIRECTORY: \"\(pki.jwsPublicKeysDirectory)\""]
        }
        if !options.portalUsers.isEmpty { lines.append("PM_PORTAL_USERS_FILE: \"\(options.directory)/portal-users.yaml\"") }
        if options.mutualTLS {
            lines += [
                "IN_CA_CERT_PATH: \"\(files.server.caCertificatePaths.joined(separator: ","))\"", "IN_SERVER_CERT_PATH: \"\(files.server.certificatePath)\"",
                "IN_SERVER_KEY_PATH: \"\(files.server.keyPath)\"", "OUT_CA_CERT_PATH: \"\(files.client.caCertificatePaths.joined(separator: ","))\"",
                "OUT_CLIENT_CERT_PATH: \"\(files.client.certificatePath)\"", "OUT_CLIENT_KEY_PATH: \"\(files.client.keyPath)\"",
            ]
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        // It holds the demo's ILP secret.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// A payer processor-only Payment Manager with Kafka clients of its own on the payer's cluster (as another
    /// process would have), for the caller to run and stop; shut its log down after it stopped.
    public func makePayerProcessor(_ name: String) throws -> (connector: Connector, log: any EventLog) {
        guard let settings = payerProcessorSettings, let cluster = payerOpenLog.mockCluster else {
            throw TopologyError("makePayerProcessor needs splitPayer and payerLog kafka-mock")
        }
        let log = try cluster.makeEventLog()
        return (try Connector(settings: settings, log: log, logger: logger.labelled("\(options.payerId)-\(name)")), log)
    }

    /// An HTTP client that presents the hub's client certificate: what reaches the connectors' inbound APIs as the hub.
    public func switchHTTPClient() throws -> PooledHTTPClient {
        try PooledHTTPClient(configuration: .init(tls: try pki.participant("switch").client.clientConfiguration()))
    }

    /// Every service of the topology, for one service group.
    public var services: [any Service] {
        [hub, payerCore, payeeCore, payer, payee] + (payerProcessor.map { [$0] } ?? []) + (payerReadSide?.services ?? []) + (payeeReadSide?.services ?? [])
    }

    /// Waits until every part listens and both processors consume.
    public func ready() async throws {
        _ = try await hub.listeningPort()
        _ = try await payerCore.listeningPort()
        _ = try await payeeCore.listeningPort()
        _ = try await payer.ready()
        _ = try await payerProcessor?.ready()
        _ = try await payee.ready()
        _ = try await payerReadSide?.listeningPort()
        _ = try await payeeReadSide?.listeningPort()
    }

    /// What the payers' accounts lost and the payees' accounts gained, in total: equal when the books add up.
    public func books() -> (paid: CoreAmount, received: CoreAmount, addUp: Bool) {
        let opening = (CoreAmount(options.openingBalance) ?? .zero).units * Int64(options.accounts)
        let payers = payerCore.accountBalances().reduce(Int64(0)) { $0 + $1.balance.units }
        let payees = payeeCore.accountBalances().reduce(Int64(0)) { $0 + $1.balance.units }
        return (CoreAmount(units: opening - payers), CoreAmount(units: payees), opening - payers == payees)
    }

    /// Closes the logs (after the services stopped).
    public func close() async {
        await payerLog.shutdown()
        await payerProcessorLog?.shutdown()
        await payeeLog.shutdown()
    }
}

extension Logger {
    func labelled(_ component: String) -> Logger {
        var logger = self
        logger[metadataKey: "component"] = "\(component)"
        return logger
    }
}

extension Topology {
    /// Runs a topology of these options for `body` (every service in one group, started and ready), then shuts it down
    /// gracefully and closes its logs, whether `body` returned or threw.
    public static func run<T: Sendable>(_ options: Options, logger: Logger, _ body: (Topology) async throws -> T) async throws -> T {
        let topology = try await Topology(options: options, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: topology.services.map { .init(service: $0) }, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await topology.ready()
                let value = try await body(topology)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                await topology.close()
                return value
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                await topology.close()
                throw error
            }
        }
    }
}
