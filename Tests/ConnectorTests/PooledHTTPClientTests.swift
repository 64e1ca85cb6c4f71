@testable import Connector
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PaymentManager
import Synchronization
import Testing

/// A server on 127.0.0.1 that answers by the request's path, counting the connections it accepted.
final class ScriptedServer: Sendable {
    final class Counters: Sendable {
        let accepted = Atomic<Int>(0)
        let silent = Atomic<Int>(0)
    }

    let channel: Channel
    let counters: Counters

    var port: Int { channel.localAddress?.port ?? 0 }
    var accepted: Int { counters.accepted.load(ordering: .relaxed) }
    var silentRequests: Int { counters.silent.load(ordering: .relaxed) }

    private init(channel: Channel, counters: Counters) {
        self.channel = channel
        self.counters = counters
    }

    static func start(tls: TLSConfiguration? = nil) async throws -> ScriptedServer {
        let counters = Counters()
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counters.accepted.wrappingAdd(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(ScriptedHandler { counters.silent.wrappingAdd(1, ordering: .relaxed) })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedServer(channel: channel, counters: counters)
    }

    func stop() async { try? await channel.close() }
}

/// `/echo` answers 200 with the request's body and its method and Host in headers; `/close` answers with
/// `Connection: close` and closes; `/chunked` answers in three chunks; `/big` with 64 KiB; `/hangup` closes
/// without answering; `/silent` never answers.
final class ScriptedHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let onSilent: @Sendable () -> Void
    var head: HTTPRequestHead?
    var body = ByteBuffer()

    init(onSilent: @escaping @Sendable () -> Void) { self.onSilent = onSilent }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(request):
            head = request
            body.clear()
        case var .body(part):
            body.writeBuffer(&part)
        case .end:
            guard let head else { return }
            answer(head, context: context)
        }
    }

    private func answer(_ request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        switch request.uri {
        case "/echo", "/echo?x=1":
            headers.add(name: "Content-Length", value: String(body.readableBytes))
            headers.add(name: "X-Method", value: request.method.rawValue)
            headers.add(name: "X-Host", value: request.headers["host"].first ?? "")
            headers.add(name: "X-URI", value: request.uri)
            write(.ok, headers, [body], context: context)
        case "/close":
            headers.add(name: "Content-Length", value: "3")
            headers.add(name: "Connection", value: "close")
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            write(.ok, headers, [ByteBuffer(string: "bye")], context: context).whenComplete { _ in bound.value.close(promise: nil) }
        case "/chunked":
            headers.add(name: "Transfer-Encoding", value: "chunked")
            write(.ok, headers, ["one,", "two,", "three"].map { ByteBuffer(string: $0) }, context: context)
        case "/big":
            headers.add(name: "Content-Length", value: "65536")
            write(.ok, headers, [ByteBuffer(repeating: 0x61, count: 65536)], context: context)
        case "/hangup":
            context.close(promise: nil)
        default:
            onSilent()
        }
    }

    @discardableResult
    private func write(_ status: HTTPResponseStatus, _ headers: HTTPHeaders, _ parts: [ByteBuffer], context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        for part in parts { context.write(wrapOutboundOut(.body(.byteBuffer(part))), promise: nil) }
        return context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }
}

struct PooledHTTPClientTests {
    static func pki() throws -> (TestPKI, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-pooled-client-\(UUID().uuidString.prefix(8))")
        return (try TestPKI.generate(in: directory.path, participants: ["server", "client"]), directory)
    }

    /// Cancels `request` and expects it to end within 5 s (not at its own deadline) with `CancellationError`.
    static func expectCancellationEnds(_ request: Task<PooledHTTPClient.Response, any Error>) async throws {
        final class Ended: Sendable { let flag = Atomic<Bool>(false) }
        let ended = Ended()
        Task {
            _ = await request.result
            ended.flag.store(true, ordering: .relaxed)
        }
        request.cancel()
        try await eventually(timeout: .seconds(5), "the cancelled request to end") { ended.flag.load(ordering: .relaxed) }
        let result = await request.result
        #expect(throws: CancellationError.self) { try result.get() }
    }

    @Test("requests over mutual TLS get their answers whole, one keep-alive connection carrying them one after the other")
    func mutualTLSAndKeepAlive() async throws {
        let (pki, directory) = try Self.pki()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await ScriptedServer.start(tls: try pki.participant("server").server.serverConfiguration())
        let client = try PooledHTTPClient(configuration: .init(tls: try pki.participant("client").client.clientConfiguration()))
        for i in 0..<50 {
            let response = try await client.execute(method: .PUT, url: "https://127.0.0.1:\(server.port)/echo", body: ByteBuffer(string: "body \(i)"),
                                                    timeout: .seconds(10))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "body \(i)")
            #expect(response.headers["X-Method"].first == "PUT")
            #expect(response.headers["X-Host"].first == "127.0.0.1:\(server.port)")
        }
        let query = try await client.execute(method: .GET, url: "https://127.0.0.1:\(server.port)/echo?x=1", timeout: .seconds(10))
        #expect(query.headers["X-URI"].first == "/echo?x=1")
        #expect(server.accepted == 1)
        await client.shutdown()
        await server.stop()
    }

    @Test("a client without the server's CA is refused by TLS, and says so")
    func untrustedServer() async throws {
        let (pki, directory) = try Self.pki()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await ScriptedServer.start(tls: try pki.participant("server").server.serverConfiguration())
        let client = try PooledHTTPClient(configuration: .init(tls: .makeClientConfiguration()))
        do {
            _ = try await client.execute(method: .GET, url: "https://127.0.0.1:\(server.port)/echo", timeout: .seconds(10))
            Issue.record("a server signed by an unknown CA was trusted")
        } catch {
            // The handshake's own error (the certificate), not a dropped connection.
            #expect(error is NIOSSLError, "\(error)")
        }
        await client.shutdown()
        await server.stop()
    }

    @Test("no more than maximumConnectionsPerOrigin connections: the other requests wait for one and all complete")
    func poolLimit() async throws {
        let server = try await ScriptedServer.start()
        var configuration = PooledHTTPClient.Configuration()
        configuration.maximumConnectionsPerOrigin = 2
        let client = try PooledHTTPClient(configuration: configuration)
        let url = "http://127.0.0.1:\(server.port)/echo"
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<40 {
                group.addTask {
                    String(buffer: try await client.execute(method: .POST, url: url, body: ByteBuffer(string: "\(i)"), timeout: .seconds(10)).body)
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(bodies == Set((0..<40).map(String.init)))
        #expect(server.accepted <= 2)
        await client.shutdown()
        await server.stop()
    }

    @Test("a connection the server closes (Connection: close, or a hang-up) is not used again; the next request opens another")
    func closedConnections() async throws {
        let server = try await ScriptedServer.start()
        let client = try PooledHTTPClient(configuration: .init())
        let base = "http://127.0.0.1:\(server.port)"
        let bye = try await client.execute(method: .GET, url: base + "/close", timeout: .seconds(10))
        #expect(String(buffer: bye.body) == "bye")
        #expect(try await client.execute(method: .GET, url: base + "/echo", timeout: .seconds(10)).status == .ok)
        #expect(server.accepted == 2)
        await #expect(throws: PooledHTTPClient.Failure.connectionClosed) {
            _ = try await client.execute(method: .GET, url: base + "/hangup", timeout: .seconds(10))
        }
        #expect(try await client.execute(method: .GET, url: base + "/echo", timeout: .seconds(10)).status == .ok)
        #expect(server.accepted == 3)
        await client.shutdown()
        await server.stop()
    }

    @Test("chunked answers are collected whole; an answer over the limit fails the request")
    func bodies() async throws {
        let server = try await ScriptedServer.start()
        var configuration = PooledHTTPClient.Configuration()
        configuration.maximumResponseBytes = 65535
        let client = try PooledHTTPClient(configuration: configuration)
        let base = "http://127.0.0.1:\(server.port)"
        #expect(String(buffer: try await client.execute(method: .GET, url: base + "/chunked", timeout: .seconds(10)).body) == "one,two,three")
        await #expect(throws: PooledHTTPClient.Failure.responseTooLarge(limit: 65535)) {
            _ = try await client.execute(method: .GET, url: base + "/big", timeout: .seconds(10))
        }
        #expect(try await client.execute(method: .GET, url: base + "/echo", timeout: .seconds(10)).status == .ok)
        await client.shutdown()
        await server.stop()
    }

    @Test("a server that does not answer: the request fails at its deadline, or as soon as its task is cancelled")
    func deadlineAndCancellation() async throws {
        let server = try await ScriptedServer.start()
        let client = try PooledHTTPClient(configuration: .init())
        let base = "http://127.0.0.1:\(server.port)"
        let started = ContinuousClock.now
        await #expect(throws: PooledHTTPClient.Failure.timedOut) {
            _ = try await client.execute(method: .POST, url: base + "/silent", body: ByteBuffer(string: "x"), timeout: .milliseconds(300))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        let waiting = Task { try await client.execute(method: .GET, url: base + "/silent", timeout: .seconds(60)) }
        try await eventually("the server to receive the second silent request") { server.silentRequests == 2 }
        try await Self.expectCancellationEnds(waiting)
        #expect(try await client.execute(method: .GET, url: base + "/echo", timeout: .seconds(10)).status == .ok)
        await client.shutdown()
        await server.stop()
    }

    @Test("a request waiting for a connection of a full pool ends at its deadline or when cancelled, and the pool stays usable")
    func waitingRequests() async throws {
        let server = try await ScriptedServer.start()
        var configuration = PooledHTTPClient.Configuration()
        configuration.maximumConnectionsPerOrigin = 1
        let client = try PooledHTTPClient(configuration: configuration)
        let base = "http://127.0.0.1:\(server.port)"
        // The pool's one connection is held by a request the server never answers.
        let holder = Task { try await client.execute(method: .GET, url: base + "/silent", timeout: .seconds(60)) }
        try await eventually("the server to receive the holding request") { server.silentRequests == 1 }
        await #expect(throws: PooledHTTPClient.Failure.timedOut) {
            _ = try await client.execute(method: .GET, url: base + "/echo", timeout: .milliseconds(300))
        }
        let waiting = Task { try await client.execute(method: .GET, url: base + "/echo", timeout: .seconds(60)) }
        try await Self.expectCancellationEnds(waiting)
        // The holder gives its connection up: the next request gets one.
        holder.cancel()
        _ = await holder.result
        #expect(try await client.execute(method: .GET, url: base + "/echo", timeout: .seconds(10)).status == .ok)
        await client.shutdown()
        await server.stop()
    }

    @Test("when the server cannot be reached, every request of a full pool fails at once, none waits for its deadline")
    func unreachableWithWaiters() async throws {
        let closed = try await ScriptedServer.start()
        let port = closed.port
        await closed.stop()
        var configuration = PooledHTTPClient.Configuration()
        configuration.maximumConnectionsPerOrigin = 1
        let client = try PooledHTTPClient(configuration: configuration)
        let started = ContinuousClock.now
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { (try? await client.execute(method: .GET, url: "http://127.0.0.1:\(port)/echo", timeout: .seconds(30))) == nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 8)
        #expect(ContinuousClock.now - started < .seconds(10))
        await client.shutdown()
    }

    @Test("bad URLs, refused connections and a shut-down client fail with a reason")
    func refusals() async throws {
        let client = try PooledHTTPClient(configuration: .init())
        for url in ["ftp://127.0.0.1/x", "http://", "http://user@127.0.0.1/", "http://127.0.0.1:99999/", "127.0.0.1:80/x"] {
            await #expect(throws: PooledHTTPClient.Failure.invalidURL(url)) {
                _ = try await client.execute(method: .GET, url: url, timeout: .seconds(1))
            }
        }
        let closed = try await ScriptedServer.start()
        let port = closed.port
        await closed.stop()
        await #expect(throws: (any Error).self) {
            _ = try await client.execute(method: .GET, url: "http://127.0.0.1:\(port)/echo", timeout: .seconds(5))
        }
        await client.shutdown()
        await #expect(throws: PooledHTTPClient.Failure.shutDown) {
            _ = try await client.execute(method: .GET, url: "http://127.0.0.1:\(port)/echo", timeout: .seconds(1))
        }
    }

    @Test("URLs: scheme, host, port, path and query; IPv6 literals; the Host header as the origin is written")
    func targets() {
        let plain = PooledHTTPClient.Target("http://hub.example:3000/parties/MSISDN/123?x=1#f")
        #expect(plain?.origin == .init(secure: false, host: "hub.example", port: 3000))
        #expect(plain?.path == "/parties/MSISDN/123?x=1")
        #expect(plain?.origin.hostHeader == "hub.example:3000")
        let secure = PooledHTTPClient.Target("https://hub.example")
        #expect(secure?.origin == .init(secure: true, host: "hub.example", port: 443))
        #expect(secure?.path == "/")
        #expect(secure?.origin.hostHeader == "hub.example")
        let v6 = PooledHTTPClient.Target("https://[::1]:8443/transfers")
        #expect(v6?.origin == .init(secure: true, host: "::1", port: 8443))
        #expect(v6?.origin.hostHeader == "[::1]:8443")
        #expect(PooledHTTPClient.Target("http://127.0.0.1:4000?q")?.path == "/?q")
        #expect(PooledHTTPClient.Target.isIPAddress("127.0.0.1"))
        #expect(PooledHTTPClient.Target.isIPAddress("::1"))
        #expect(!PooledHTTPClient.Target.isIPAddress("hub.example"))
    }
}
