import AsyncHTTPClient
import FSPIOP
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A Mojaloop switch in one process, for demos, tests and benchmarks: account lookup, quote and
/// transfer routing, the condition check, positions against net debit caps, commit notifications and
/// expiry, over HTTP or mutual TLS.
///
/// It behaves as the reference hub does on the wire (API Definition v1.1 §6; central-services-shared
/// for headers): requests are checked and answered at once (202, or 200 for callbacks), then
/// forwarded or answered by callbacks. Forwarded messages keep their body bytes and FSPIOP headers, so
/// end-to-end JWS verifies; messages the hub originates come from `FSPIOP-Source: switch` (see
/// ``HubSimulatorConfiguration/switchId``) and are signed when a switch key is configured.
///
/// Run it as a `Service` (in a `ServiceGroup`, or by calling ``run()`` in a task): it serves until
/// cancelled or gracefully shut down. ``listeningPort()`` waits until it listens. One instance serves
/// once: make a new one to serve again (positions and transfers start afresh).
public final class HubSimulator: Service {
    /// How long messages to DFSPs still queued or in flight when the server stops may take before they are cancelled.
    static let drainOnShutdown = Duration.seconds(2)
    private let configuration: HubSimulatorConfiguration
    private let logger: Logger
    private let state: HubState
    private let listening = HubListening()
    /// A participant of the configuration that cannot be registered: ``run()`` throws it.
    private let configurationError: HubSimulatorError?
    private let engineHandle = HubEngineHandle()
    private let pings = HubPings()
    private let started = Mutex(false)

    /// Makes a hub with the configured participants and oracle records. Nothing is checked on disk
    /// yet (TLS files, the signing key): ``run()`` does, and throws what is wrong.
    public init(configuration: HubSimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        state = HubState(keepFinishedTransfers: configuration.keepFinishedTransfers)
        var firstError: HubSimulatorError?
        for participant in configuration.participants {
            do throws(HubSimulatorError) {
                try state.withLedger { (ledger: inout HubLedger) throws(HubSimulatorError) in try ledger.register(participant) }
            } catch {
                firstError = firstError ?? error
            }
        }
        for party in configuration.parties {
            state.withLedger { $0.register(party: party) }
        }
        configurationError = firstError
    }

    /// Serves until the task is cancelled or the service group shuts down gracefully; then the
    /// requests in progress are answered, queued messages to DFSPs are delivered, and the timers and
    /// the HTTP client stop.
    ///
    /// - Throws: ``HubSimulatorError`` for a configuration that cannot be used (a participant, a TLS
    ///   file, the signing key), or the server's error (the address is in use).
    public func run() async throws {
        guard !started.withLock({ started in defer { started = true }; return started }) else {
            throw HubSimulatorError.invalidConfiguration("run() was called twice; a HubSimulator serves once")
        }
        let engine: HubEngine
        let client: HTTPClient
        let serverTLS: TLSConfiguration?
        do throws(HubSimulatorError) {
            if let configurationError { throw configurationError }
            guard (0...65535).contains(configuration.port) else {
                throw .invalidConfiguration("port \(configuration.port) is not 0 to 65535")
            }
            let signer = try configuration.signingKeyPath.map { path throws(HubSimulatorError) in try Self.signer(path) }
            serverTLS = try configuration.serverTLS.map { files throws(HubSimulatorError) in
                do throws(SimulatorTLSFilesError) { return try files.serverConfiguration() } catch { throw .tls(error) }
            }
            client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: try Self.clientConfiguration(configuration),
                                backgroundActivityLogger: logger)
            let courier = HubCourier(client: client, timeout: configuration.requestTimeout, logger: logger)
            engine = HubEngine(
                switchId: configuration.switchId, state: state, courier: courier,
                timers: HubTimers(eventLoop: MultiThreadedEventLoopGroup.singleton.any()), signer: signer,
                supportedVersions: configuration.supportedVersions, maximumBodySize: configuration.maximumBodySize,
                logger: logger, clock: Self.now, pings: pings)
            engineHandle.set(engine)
        } catch {
            logger.error("The hub simulator cannot start", metadata: [HubLogKey.error: "\(error)"])
            listening.stopped(error)
            throw error
        }

        let listening = self.listening
        let logger = self.logger
        let scheme = configuration.serverTLS == nil ? "http" : "https"
        let onServerRunning: @Sendable (any Channel) async -> Void = { channel in
            let port = channel.localAddress?.port ?? 0
            logger.info("The hub simulator listens", metadata: [HubLogKey.address: "\(scheme)://\(channel.localAddress?.ipAddress ?? "?"):\(port)"])
            listening.listening(on: port)
        }
        let address = ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: nil)
        let app: Application<RouterResponder<BasicRequestContext>>
        if let serverTLS {
            do {
                app = Application(router: engine.router(), server: try .tls(.http1(), tlsConfiguration: serverTLS),
                                  configuration: address, onServerRunning: onServerRunning, logger: logger)
            } catch {
                let failure = HubSimulatorError.tls(SimulatorTLSFilesError(
                    path: configuration.serverTLS?.certificatePath ?? "", reason: "cannot make a TLS context (\(error))"))
                await stop(engine, client, because: failure.description)
                throw failure
            }
        } else {
            app = Application(router: engine.router(), configuration: address, onServerRunning: onServerRunning, logger: logger)
        }

        let courier = engine.courier
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await courier.run() }
                group.addTask {
                    // When the server stops, no more messages are queued: let the courier drain and end.
                    defer { courier.finish() }
                    try await app.run()
                }
                // The server ends first (the courier only after it). Messages still queued or in flight (to a DFSP that
                // stopped first, say) get a short while, then are cancelled: a stopped hub does not linger.
                try await group.next()
                group.addTask { try? await Task.sleep(for: Self.drainOnShutdown) }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await stop(engine, client, because: "\(error)")
            throw error
        }
        await stop(engine, client, because: "stopped")
    }

    private func stop(_ engine: HubEngine, _ client: HTTPClient, because reason: String) async {
        listening.stopped(.notListening(reason: reason))
        engine.timers.cancelAll()
        do {
            try await client.shutdown()
        } catch {
            logger.error("Cannot shut the hub's HTTP client down", metadata: [HubLogKey.error: "\(error)"])
        }
    }

    /// Waits until the server listens and returns its port (the one chosen by the system for port 0).
    ///
    /// - Throws: ``HubSimulatorError/notListening(reason:)`` (or the start-up error) when the server
    ///   failed or stopped; `CancellationError` when the waiting task is cancelled.
    public func listeningPort() async throws -> Int {
        try await listening.port()
    }

    /// Registers a DFSP, or updates the endpoint, currency and cap of a known one (its positions are
    /// kept): DFSPs started after the hub register here once their port is known.
    ///
    /// - Throws: ``HubSimulatorError/invalidParticipant(fspId:reason:)`` for an empty or long fspId, a
    ///   cap that is not a non-negative decimal, an unknown currency, or an endpoint that is not an
    ///   `http(s)` URL.
    public func register(_ participant: HubParticipant) throws(HubSimulatorError) {
        try state.withLedger { (ledger: inout HubLedger) throws(HubSimulatorError) in try ledger.register(participant) }
    }

    /// Adds an oracle record: `party` is owned by `party.fspId`.
    public func register(party: HubParty) {
        state.withLedger { $0.register(party: party) }
    }

    /// The participants and their positions, by fspId.
    public func participantStates() -> [HubParticipantState] {
        state.participantStates()
    }

    /// The hub's state of one transfer, or nil when it never saw it.
    public func transfer(id transferId: String) -> HubTransferSnapshot? {
        state.withLedger { $0.transfer(transferId).map(HubTransferSnapshot.init) }
    }

    /// The hub's state of one bulk transfer (`PROCESSING`, `COMPLETED` or `REJECTED`) and the transfers of
    /// it that committed, or nil when it never saw it.
    public func bulkTransfer(id: String) -> (state: String, committed: Set<String>)? {
        state.withLedger { ledger in ledger.bulkTransfer(id).map { ($0.phase.rawValue, $0.committed) } }
    }

    /// Pings a DFSP as the hub's watcher does: `POST /ping` with a new `requestId`, signed with the switch's key,
    /// then waits for `PUT /ping/{requestId}` (or its `/error`) until `timeout`.
    ///
    /// - Throws: ``HubSimulatorError/notListening(reason:)`` before the hub runs, `.invalidParticipant` for a
    ///   DFSP that is not registered.
    public func ping(_ fspId: String, timeout: Duration = .seconds(10)) async throws(HubSimulatorError) -> HubPingOutcome {
        guard let engine = engineHandle.engine else { throw .notListening(reason: "the hub is not running") }
        guard let participant = state.participant(fspId) else { throw .invalidParticipant(fspId: fspId, reason: "not a participant of this hub") }
        let requestId = RandomUUID.make()
        pings.sent(requestId, to: fspId)
        engine.send("POST", "/ping", to: participant, resource: .ping, version: .v2_0,
                    body: CanonicalJSON.insertionOrderBytes(.object([("requestId", .string(requestId))])), purpose: "ping")
        return await pings.wait(requestId, timeout: timeout)
    }

    /// What a DFSP answered to the ping `requestId` (the hub's or another sender's), if it answered.
    public func pingOutcome(_ requestId: String) -> HubPingOutcome? { pings.outcome(requestId) }

    /// Messages delivered to DFSPs and failed so far (zero before ``run()``).
    public var deliveryCounts: HubDeliveryCounts {
        engineHandle.engine?.courier.deliveryCounts ?? HubDeliveryCounts()
    }

    // MARK: Start-up

    private static func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    private static func signer(_ path: String) throws(HubSimulatorError) -> JWSSigner {
        let pem: String
        do { pem = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .signingKey(path: path, reason: "cannot read it (\(error.localizedDescription))")
        }
        do { return JWSSigner(key: try SigningKey(pem: pem)) } catch {
            throw .signingKey(path: path, reason: error.reason)
        }
    }

    private static func clientConfiguration(_ configuration: HubSimulatorConfiguration) throws(HubSimulatorError) -> HTTPClient.Configuration {
        var tls: TLSConfiguration?
        if let files = configuration.clientTLS {
            do { tls = try files.clientConfiguration(verifyHostname: configuration.verifyDFSPHostname) } catch { throw .tls(error) }
        }
        guard configuration.connectionsPerDFSP > 0 else {
            throw .invalidConfiguration("connectionsPerDFSP must be at least 1")
        }
        var client = HTTPClient.Configuration(tlsConfiguration: tls)
        client.connectionPool = .init(idleTimeout: .seconds(60),
                                      concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.connectionsPerDFSP)
        // A DFSP's answer to a callback is never a redirect to follow.
        client.redirectConfiguration = .disallow
        // No distributed tracing is configured: skip building span attributes for every request.
        client.tracing.tracer = nil
        return client
    }
}

/// The engine of a running hub, for ``HubSimulator/deliveryCounts`` and ``HubSimulator/ping(_:timeout:)``.
private final class HubEngineHandle: Sendable {
    private let value = Mutex<HubEngine?>(nil)
    func set(_ engine: HubEngine) { value.withLock { $0 = engine } }
    var engine: HubEngine? { value.withLock { $0 } }
}
