import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// One HTTP server of the connector (the inbound FSPIOP API, the outbound API): Hummingbird over
/// SwiftNIO, with TLS (mutual when the configuration asks for client certificates) when configured.
/// Port 0 picks a free port; ``listeningPort()`` tells which.
public final class HTTPServer<Responder: HTTPResponder>: Service, Sendable where Responder.Context == BasicRequestContext {
    public let name: String
    let host: String
    let port: Int
    let tls: TLSConfiguration?
    let limits: ConnectionLimits
    let responder: Responder
    let metrics: HTTPMetrics?
    let logger: Logger
    private let bound = Latch<Int>()

    public init(name: String, host: String, port: Int, tls: TLSConfiguration?, limits: ConnectionLimits = ConnectionLimits(),
                responder: Responder, metrics: HTTPMetrics? = nil, logger: Logger) {
        self.name = name
        self.host = host
        self.port = port
        self.tls = tls
        self.limits = limits
        self.responder = responder
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        // Every connection holds a place among `limits.maximumConnections`, must finish TLS in `handshakeTimeout`, and is
        // closed after `idleTimeout` without a request.
        let count = ConnectionCount(limit: limits.maximumConnections)
        let http = HTTP1Channel.Configuration(idleTimeout: limits.idleTimeout.timeAmount)
        let handshakeTimeout = limits.handshakeTimeout.timeAmount
        let name = self.name
        let refused: @Sendable (String) -> Void = { [metrics] reason in
            metrics?.count("pm_connections_refused_total", labels: ["server": name, "reason": reason])
        }
        let server: HTTPServerBuilder
        if let tls {
            server = HTTPServerBuilder { responder in
                GuardedChannel(base: try TLSChannel(HTTP1Channel(responder: responder, configuration: http), tlsConfiguration: tls),
                               count: count, handshakeTimeout: handshakeTimeout, refused: refused)
            }
        } else {
            server = HTTPServerBuilder { responder in
                GuardedChannel(base: HTTP1Channel(responder: responder, configuration: http), count: count, handshakeTimeout: nil, refused: refused)
            }
        }
        let application = Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { [self] channel in self.listening(channel.localAddress?.port ?? self.port) },
            logger: logger)
        defer { bound.fail("the \(name) server stopped before it listened") }
        do {
            try await application.run()
        } catch {
            bound.fail("the \(name) server could not run on \(host):\(port): \(error)")
            throw error
        }
    }

    /// Waits until the server listens and returns its port; throws if it stopped or failed first.
    public func listeningPort() async throws(LatchFailure) -> Int { try await bound.value() }

    private func listening(_ port: Int) {
        logger.info("listening", metadata: ["server": "\(name)", "port": "\(port)", "tls": "\(tls != nil)"])
        bound.succeed(port)
    }
}
