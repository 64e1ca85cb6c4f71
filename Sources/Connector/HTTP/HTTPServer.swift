import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// One HTTP server of the connector (the inbound FSPIOP API, the outbound API): Hummingbird over
/// SwiftNIO, with TLS (mutual when the configuration asks for client certificates) when configured.
/// Port 0 picks a free port; ``listeningPort()`` tells which.
public final class HTTPServer<Responder: HTTPResponder>: Service, Sendable where Responder.Context == BasicRequestContext {
    public let name: String
    let host: String
    let port: Int
    let tls: TLSConfiguration?
    let responder: Responder
    let logger: Logger
    private let bound = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    public init(name: String, host: String, port: Int, tls: TLSConfiguration?, responder: Responder, logger: Logger) {
        self.name = name
        self.host = host
        self.port = port
        self.tls = tls
        self.responder = responder
        self.logger = logger
    }

    public func run() async throws {
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        let application = Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { [self] channel in self.listening(channel.localAddress?.port ?? self.port) },
            logger: logger)
        try await application.run()
    }

    /// Waits until the server listens and returns its port.
    public func listeningPort() async -> Int {
        await withCheckedContinuation { continuation in
            let port = bound.withLock { state -> Int? in
                if let port = state.port { return port }
                state.waiters.append(continuation)
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }

    private func listening(_ port: Int) {
        let waiters = bound.withLock { state -> [CheckedContinuation<Int, Never>] in
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        logger.info("listening", metadata: ["server": "\(name)", "port": "\(port)", "tls": "\(tls != nil)"])
        for waiter in waiters { waiter.resume(returning: port) }
    }
}
