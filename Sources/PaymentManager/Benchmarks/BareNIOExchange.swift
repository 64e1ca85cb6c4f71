import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The baseline of `pm bench http`: the same exchange (the same body and headers, 202 with no body, keep-alive
/// connections, mutual TLS with the same certificates) over SwiftNIO's own HTTP/1.1 codec and NIOSSL with
/// nothing above them: a channel handler answers on the server, and each client connection sends its next
/// request from the event loop the moment the last answer ends. No framework could spend less in this stack,
/// so the ratio of the connector's stack to it is what Hummingbird and the connector's client add.
enum BareNIOExchange {
    struct Measured: Sendable {
        var exchanges: Int
        var seconds: Double
        var cpuSeconds: Double
        var latenciesMs: [Double]
    }

    /// Answers every request, once its body has arrived, with 202 and no body.
    final class Sink: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            var headers = HTTPHeaders()
            headers.add(name: "content-length", value: "0")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .accepted, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    /// Sends `count` requests one after the other on its connection, and completes with their latencies.
    final class Sender: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart

        let head: HTTPRequestHead
        let body: ByteBuffer
        var remaining = 0
        var started = ContinuousClock.now
        var latencies: [Double] = []
        var failed = false
        var done: EventLoopPromise<[Double]>?

        init(head: HTTPRequestHead, body: ByteBuffer) {
            self.head = head
            self.body = body
        }

        func start(_ count: Int, context: ChannelHandlerContext) -> EventLoopFuture<[Double]> {
            let promise = context.eventLoop.makePromise(of: [Double].self)
            done = promise
            remaining = count
            latencies = []
            latencies.reserveCapacity(count)
            sendNext(context: context)
            return promise.futureResult
        }

        func sendNext(context: ChannelHandlerContext) {
            guard remaining > 0 else {
                done?.succeed(latencies)
                done = nil
                return
            }
            remaining -= 1
            started = ContinuousClock.now
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case let .head(response):
                failed = response.status != .accepted
            case .body:
                break
            case .end:
                if failed {
                    done?.fail(ChannelError.inputClosed)
                    done = nil
                    return
                }
                latencies.append(Measure.milliseconds(ContinuousClock.now - started))
                sendNext(context: context)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            done?.fail(error)
            done = nil
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            done?.fail(ChannelError.ioOnClosedChannel)
            done = nil
        }
    }

    /// A server answering every request with 202 on 127.0.0.1.
    static func startServer(tls: TLSConfiguration?) async throws -> Channel {
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(Sink())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// `requests` exchanges over `concurrency` connections, after a warm-up of as many per connection as
    /// `pm bench http` warms its pool with.
    static func run(requests: Int, concurrency: Int, server serverTLS: TLSConfiguration?, client clientTLS: TLSConfiguration?) async throws -> Measured {
        let server = try await startServer(tls: serverTLS)
        defer { server.close(promise: nil) }
        guard let port = server.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        return try await runClients(requests: requests, concurrency: concurrency, port: port, tls: clientTLS)
    }

    /// Clients of the baseline: `requests` exchanges with the server at `port` over `concurrency` connections.
    static func runClients(requests: Int, concurrency: Int, port: Int, tls clientTLS: TLSConfiguration?) async throws -> Measured {
        let group = MultiThreadedEventLoopGroup.singleton
        let clientContext = try clientTLS.map { try NIOSSLContext(configuration: $0) }
        let head = {
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/transfers")
            for (name, value) in HTTPBenchmark.sampleHeaders { head.headers.add(name: name, value: value) }
            head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
            head.headers.add(name: "Content-Length", value: String(HTTPBenchmark.sampleBody.utf8.count))
            return head
        }()
        let body = ByteBuffer(bytes: Array(HTTPBenchmark.sampleBody.utf8))
        var connections: [(channel: Channel, sender: NIOLoopBound<Sender>)] = []
        do {
            for _ in 0..<concurrency {
                let channel = try await ClientBootstrap(group: group)
                    .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            if let clientContext {
                                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: clientContext, serverHostname: nil))
                            }
                            try channel.pipeline.syncOperations.addHTTPClientHandlers()
                            try channel.pipeline.syncOperations.addHandler(Sender(head: head, body: body))
                        }
                    }
                    .connect(host: "127.0.0.1", port: port).get()
                let sender = try await channel.eventLoop.submit {
                    NIOLoopBound(try channel.pipeline.syncOperations.handler(type: Sender.self), eventLoop: channel.eventLoop)
                }.get()
                connections.append((channel, sender))
            }
            func round(_ perConnection: [Int]) async throws -> [Double] {
                let futures = zip(connections, perConnection).map { connection, count in
                    connection.channel.eventLoop.flatSubmit {
                        do {
                            let context = try connection.channel.pipeline.syncOperations.context(handlerType: Sender.self)
                            return connection.sender.value.start(count, context: context)
                        } catch {
                            return connection.channel.eventLoop.makeFailedFuture(error)
                        }
                    }
                }
                var all: [Double] = []
                for future in futures { all += try await future.get() }
                return all
            }
            _ = try await round(Array(repeating: 20, count: concurrency))
            let shares = (0..<concurrency).map { requests / concurrency + ($0 < requests % concurrency ? 1 : 0) }
            let cpuBefore = EndToEndBenchmark.cpuSeconds()
            let started = ContinuousClock.now
            let latencies = try await round(shares)
            let measured = Measured(exchanges: latencies.count, seconds: Measure.seconds(ContinuousClock.now - started),
                                    cpuSeconds: EndToEndBenchmark.cpuSeconds() - cpuBefore, latenciesMs: latencies.sorted())
            for connection in connections { try? await connection.channel.close() }
            return measured
        } catch {
            for connection in connections { try? await connection.channel.close() }
            throw error
        }
    }
}
