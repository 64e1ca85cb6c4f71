import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// The connector's HTTP/1.1 client for its calls to the hub and to the core: keep-alive connections pooled per
/// origin, TLS (mutual when the configuration carries a certificate), a deadline per request, the whole answer
/// collected up to a limit.
///
/// It is built directly on SwiftNIO's HTTP/1.1 codec: a request is written from the caller's task to its
/// connection and the answer completes one promise on the connection's event loop, with nothing between.
/// `pm bench http` measured AsyncHTTPClient, which the connector used before, at about 60 µs of CPU per
/// exchange above SwiftNIO's own cost; a transfer makes 9 such calls between its two connectors.
///
/// No redirects are followed, no proxy is used, and a request is sent once: the hub and backend clients decide
/// what to retry (their requests are idempotent by their FSPIOP ids).
public final class PooledHTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// TLS for `https` URLs (nil: the system's trust roots, no client certificate).
        public var tls: TLSConfiguration?
        public var connectTimeout: TimeAmount = .seconds(10)
        /// Connections open at once to one origin; requests beyond wait for one to be free.
        public var maximumConnectionsPerOrigin = 64
        /// An idle connection is closed after this long: less than the 5 s a Node server (the hub's services, most
        /// core connectors) keeps one open, so that a request is not written as the server closes it.
        public var idleTimeout: TimeAmount = .seconds(4)
        /// A larger answer fails the request.
        public var maximumResponseBytes = 4 << 20

        public init(tls: TLSConfiguration? = nil) { self.tls = tls }
    }

    /// A whole answer.
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: ByteBuffer
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case invalidURL(String)
        case timedOut
        case connectionClosed
        case responseTooLarge(limit: Int)
        case shutDown

        public var description: String {
            switch self {
            case let .invalidURL(url): "not an http or https URL: \(url)"
            case .timedOut: "no answer before the deadline"
            case .connectionClosed: "the connection closed before the whole answer arrived"
            case let .responseTooLarge(limit): "the answer is larger than \(limit) bytes"
            case .shutDown: "the HTTP client is shut down"
            }
        }
    }

    let configuration: Configuration
    let group: any EventLoopGroup
    private let sslContext: NIOSSLContext
    private let pools = Mutex<Pools>(Pools())

    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.configuration = configuration
        self.group = group
        sslContext = try NIOSSLContext(configuration: configuration.tls ?? .makeClientConfiguration())
    }

    /// Sends one request and collects its answer; fails with ``Failure`` or the connection's error.
    public func execute(method: HTTPMethod, url: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil,
                        timeout: TimeAmount) async throws -> Response {
        guard let target = Target(url) else { throw Failure.invalidURL(url) }
        let deadline = NIODeadline.now() + timeout
        let connection = try await acquire(target.origin, deadline: deadline)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target.path, headers: headers)
        if !head.headers.contains(name: "host") { head.headers.add(name: "Host", value: target.origin.hostHeader) }
        if let body {
            head.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        } else if method == .POST || method == .PUT || method == .PATCH {
            head.headers.replaceOrAdd(name: "Content-Length", value: "0")
        }
        let exchange = Exchange(head: head, body: body, promise: connection.channel.eventLoop.makePromise(), deadline: deadline,
                                limit: configuration.maximumResponseBytes)
        let answer: ExchangeHandler.Answer
        do {
            answer = try await withTaskCancellationHandler {
                // A connection closed meanwhile (its handlers gone) fails the write, and so the exchange.
                let written = connection.channel.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenFailure { exchange.promise.fail($0) }
                connection.channel.writeAndFlush(exchange, promise: written)
                return try await exchange.promise.futureResult.get()
            } onCancel: {
                connection.channel.close(promise: nil)
            }
        } catch {
            release(connection, reusable: false)
            // A cancelled request says so, so that its caller does not take it for a failure to retry.
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
        // Cancelled as the answer arrived: the connection may be closing.
        release(connection, reusable: answer.keepAlive && !Task.isCancelled)
        return answer.response
    }

    /// Closes every connection; requests after this fail with ``Failure/shutDown``.
    public func shutdown() async {
        let (channels, waiters) = pools.withLock { pools -> ([Channel], [Waiter]) in
            pools.closed = true
            let channels = pools.byOrigin.values.flatMap { $0.idle.map(\.channel) + $0.busy.map(\.channel) }
            let waiters = pools.byOrigin.values.flatMap(\.waiters)
            for origin in pools.byOrigin.keys {
                pools.byOrigin[origin]?.idle = []
                pools.byOrigin[origin]?.busy = []
                pools.byOrigin[origin]?.waiters = []
            }
            return (channels, waiters)
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(throwing: Failure.shutDown)
        }
        for channel in channels { try? await channel.close() }
    }

    // MARK: - Pool

    struct Origin: Hashable, Sendable {
        var secure: Bool
        var host: String
        var port: Int

        var hostHeader: String {
            let name = host.contains(":") ? "[\(host)]" : host
            return (secure && port == 443) || (!secure && port == 80) ? name : "\(name):\(port)"
        }
    }

    /// An open connection of the pool.
    final class Connection: Sendable {
        let channel: Channel
        let origin: Origin
        let id: ObjectIdentifier
        /// The close scheduled while it is idle.
        let idleClose = Mutex<Scheduled<Void>?>(nil)

        init(channel: Channel, origin: Origin) {
            self.channel = channel
            self.origin = origin
            id = ObjectIdentifier(channel)
        }
    }

    /// A request waiting for a connection of a full pool.
    struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Grant, any Error>
        var timer: Scheduled<Void>?
    }

    /// What a request waiting for a connection is given: a free one, or the room to open one itself.
    enum Grant {
        case connection(Connection)
        case open
    }

    struct Pool {
        var idle: [Connection] = []
        var busy: [Connection] = []
        /// Connections being opened.
        var opening = 0
        var waiters: [Waiter] = []
    }

    struct Pools {
        var byOrigin: [Origin: Pool] = [:]
        var closed = false
        var nextWaiter = 0
    }

    private enum Decision {
        case granted(Grant)
        case waiting(Int)
        case closed
    }

    /// A free connection to `origin`, a new one, or one freed before `deadline`.
    private func acquire(_ origin: Origin, deadline: NIODeadline) async throws -> Connection {
        let waiterID = Mutex<Int?>(nil)
        let grant = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                // Deciding and queueing under one lock: a connection released meanwhile finds the waiter.
                let decision = pools.withLock { pools -> Decision in
                    if pools.closed { return .closed }
                    var pool = pools.byOrigin[origin, default: Pool()]
                    defer { pools.byOrigin[origin] = pool }
                    while let connection = pool.idle.popLast() {
                        if connection.channel.isActive {
                            pool.busy.append(connection)
                            return .granted(.connection(connection))
                        }
                    }
                    if pool.busy.count + pool.opening < configuration.maximumConnectionsPerOrigin {
                        pool.opening += 1
                        return .granted(.open)
                    }
                    pools.nextWaiter += 1
                    pool.waiters.append(Waiter(id: pools.nextWaiter, continuation: continuation))
                    return .waiting(pools.nextWaiter)
                }
                switch decision {
                case .closed:
                    continuation.resume(throwing: Failure.shutDown)
                case let .granted(grant):
                    continuation.resume(returning: grant)
                case let .waiting(id):
                    waiterID.withLock { $0 = id }
                    let timer = group.next().scheduleTask(deadline: deadline) { [self] () -> Void in
                        removeWaiter(id, of: origin)?.continuation.resume(throwing: Failure.timedOut)
                    }
                    let served = pools.withLock { pools -> Bool in
                        guard let index = pools.byOrigin[origin]?.waiters.firstIndex(where: { $0.id == id }) else { return true }
                        pools.byOrigin[origin]?.waiters[index].timer = timer
                        return false
                    }
                    if served { timer.cancel() }
                    // Cancelled before it was queued: the cancellation handler found nothing to remove.
                    if Task.isCancelled { removeWaiter(id, of: origin)?.continuation.resume(throwing: CancellationError()) }
                }
            }
        } onCancel: {
            if let id = waiterID.withLock({ $0 }) { removeWaiter(id, of: origin)?.continuation.resume(throwing: CancellationError()) }
        }
        switch grant {
        case let .connection(connection):
            connection.idleClose.withLock { $0?.cancel(); $0 = nil }
            return connection
        case .open:
            let connection: Connection
            do {
                connection = try await connect(origin, deadline: deadline)
            } catch {
                pools.withLock { $0.byOrigin[origin]?.opening -= 1 }
                // The room is free again: the next waiting request opens a connection of its own.
                grantRoom(origin)
                throw error
            }
            let closed = pools.withLock { pools -> Bool in
                pools.byOrigin[origin]?.opening -= 1
                if pools.closed { return true }
                pools.byOrigin[origin]?.busy.append(connection)
                return false
            }
            if closed {
                connection.channel.close(promise: nil)
                throw Failure.shutDown
            }
            return connection
        }
    }

    /// The waiter `id`, taken out of the queue with its timer cancelled; nil when it was served already.
    private func removeWaiter(_ id: Int, of origin: Origin) -> Waiter? {
        let waiter = pools.withLock { pools -> Waiter? in
            guard let index = pools.byOrigin[origin]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return pools.byOrigin[origin]?.waiters.remove(at: index)
        }
        waiter?.timer?.cancel()
        return waiter
    }

    /// Hands a connection whose exchange ended to a waiter, back to the idle ones, or closes it.
    private func release(_ connection: Connection, reusable: Bool) {
        var keep = reusable && connection.channel.isActive
        let waiter = pools.withLock { pools -> Waiter? in
            // Shut down meanwhile: nothing is kept.
            guard var pool = pools.byOrigin[connection.origin], !pools.closed else {
                keep = false
                return nil
            }
            defer { pools.byOrigin[connection.origin] = pool }
            pool.busy.removeAll { $0.id == connection.id }
            guard keep else { return nil }
            if !pool.waiters.isEmpty {
                pool.busy.append(connection)
                return pool.waiters.removeFirst()
            }
            pool.idle.append(connection)
            return nil
        }
        guard keep else {
            connection.channel.close(promise: nil)
            grantRoom(connection.origin)
            return
        }
        if let waiter {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: .connection(connection))
            return
        }
        // Closed after idleTimeout unless taken again first (the close checks that it is still idle).
        let scheduled = connection.channel.eventLoop.scheduleTask(in: configuration.idleTimeout) { [weak self] () -> Void in
            self?.closeIfIdle(connection)
        }
        connection.idleClose.withLock { $0?.cancel(); $0 = scheduled }
    }

    private func closeIfIdle(_ connection: Connection) {
        let idle = pools.withLock { pools -> Bool in
            guard let index = pools.byOrigin[connection.origin]?.idle.firstIndex(where: { $0.id == connection.id }) else { return false }
            pools.byOrigin[connection.origin]?.idle.remove(at: index)
            return true
        }
        if idle { connection.channel.close(promise: nil) }
    }

    /// Room for one more connection: the first waiting request gets it and opens its own.
    private func grantRoom(_ origin: Origin) {
        let waiter = pools.withLock { pools -> Waiter? in
            guard !pools.closed, var pool = pools.byOrigin[origin], !pool.waiters.isEmpty,
                  pool.busy.count + pool.opening < configuration.maximumConnectionsPerOrigin else { return nil }
            defer { pools.byOrigin[origin] = pool }
            pool.opening += 1
            return pool.waiters.removeFirst()
        }
        guard let waiter else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(returning: .open)
    }

    /// A connection closed by its peer or by an error leaves the pool.
    private func forget(_ connection: Connection) {
        pools.withLock { pools in
            pools.byOrigin[connection.origin]?.idle.removeAll { $0.id == connection.id }
        }
        connection.idleClose.withLock { $0?.cancel(); $0 = nil }
    }

    /// A new connection, its TLS handshake done (so that a certificate problem is reported as such), within the
    /// connect timeout and the request's deadline.
    private func connect(_ origin: Origin, deadline: NIODeadline) async throws -> Connection {
        let limit = min(deadline, .now() + configuration.connectTimeout)
        let sslContext = sslContext
        let serverHostname = origin.secure && !Target.isIPAddress(origin.host) ? origin.host : nil
        let handshake: EventLoopPromise<Void>? = origin.secure ? group.next().makePromise() : nil
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(max(limit - .now(), .milliseconds(1)))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if origin.secure {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                        if let handshake { try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(promise: handshake)) }
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ExchangeHandler())
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: origin.host, port: origin.port).get()
        } catch {
            handshake?.fail(error)
            throw error
        }
        if let handshake {
            let timer = channel.eventLoop.scheduleTask(deadline: limit) { channel.close(promise: nil) }
            do {
                try await handshake.futureResult.get()
                timer.cancel()
            } catch {
                timer.cancel()
                channel.close(promise: nil)
                throw limit <= .now() ? Failure.timedOut : error
            }
        }
        let connection = Connection(channel: channel, origin: origin)
        channel.closeFuture.whenComplete { [weak self] _ in self?.forget(connection) }
        return connection
    }

    // MARK: - URL

    struct Target {
        var origin: Origin
        var path: String

        init?(_ url: String) {
            let secure: Bool
            var rest: Substring
            if url.hasPrefix("https://") {
                secure = true
                rest = url.dropFirst(8)
            } else if url.hasPrefix("http://") {
                secure = false
                rest = url.dropFirst(7)
            } else {
                return nil
            }
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            var pathPart = rest[authorityEnd...]
            if let fragment = pathPart.firstIndex(of: "#") { pathPart = pathPart[..<fragment] }
            rest = authority
            guard !authority.contains("@") else { return nil }
            var host: Substring
            var portText: Substring?
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = authority[authority.index(after: authority.startIndex)..<close]
                let after = authority[authority.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { return nil }
                    portText = after.dropFirst()
                }
            } else if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            guard !host.isEmpty else { return nil }
            var port = secure ? 443 : 80
            if let portText {
                guard let value = Int(portText), (1...65535).contains(value) else { return nil }
                port = value
            }
            origin = Origin(secure: secure, host: String(host), port: port)
            path = pathPart.isEmpty ? "/" : (pathPart.hasPrefix("?") ? "/" + pathPart : String(pathPart))
        }

        static func isIPAddress(_ host: String) -> Bool {
            (try? SocketAddress(ipAddress: host, port: 0)) != nil
        }
    }
}

/// One request on a connection, and the promise its whole answer completes.
final class Exchange: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer?
    let promise: EventLoopPromise<ExchangeHandler.Answer>
    let deadline: NIODeadline
    let limit: Int

    init(head: HTTPRequestHead, body: ByteBuffer?, promise: EventLoopPromise<ExchangeHandler.Answer>, deadline: NIODeadline, limit: Int) {
        self.head = head
        self.body = body
        self.promise = promise
        self.deadline = deadline
        self.limit = limit
    }
}

/// Completes its promise when the TLS handshake is done, or fails it with the handshake's error, then leaves
/// the pipeline.
final class HandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            promise.succeed(())
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(PooledHTTPClient.Failure.connectionClosed)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(PooledHTTPClient.Failure.connectionClosed)
    }
}

/// Writes an ``Exchange``'s request and completes its promise with the answer, on the connection's event loop.
final class ExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Exchange
    typealias OutboundOut = HTTPClientRequestPart

    struct Answer: Sendable {
        var response: PooledHTTPClient.Response
        var keepAlive: Bool
    }

    private var current: Exchange?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var timer: Scheduled<Void>?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        guard current == nil else {
            exchange.promise.fail(ChannelError.inappropriateOperationForState)
            promise?.fail(ChannelError.inappropriateOperationForState)
            return
        }
        // Closed meanwhile, or too late: nothing is sent.
        guard context.channel.isActive, exchange.deadline > .now() else {
            let error: any Error = context.channel.isActive ? PooledHTTPClient.Failure.timedOut : PooledHTTPClient.Failure.connectionClosed
            exchange.promise.fail(error)
            promise?.fail(error)
            return
        }
        current = exchange
        head = nil
        body = nil
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: exchange.deadline) {
            let (handler, context) = loopBound.value
            handler.fail(PooledHTTPClient.Failure.timedOut, context: context)
        }
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange = current else { return }
        switch unwrapInboundIn(data) {
        case let .head(response):
            head = response
        case var .body(part):
            if (body?.readableBytes ?? 0) + part.readableBytes > exchange.limit {
                fail(PooledHTTPClient.Failure.responseTooLarge(limit: exchange.limit), context: context)
                return
            }
            body.setOrWriteBuffer(&part)
        case .end:
            guard let response = head else {
                fail(PooledHTTPClient.Failure.connectionClosed, context: context)
                return
            }
            // An informational answer (100 Continue) is not the answer.
            if response.status.code < 200 {
                head = nil
                return
            }
            timer?.cancel()
            timer = nil
            current = nil
            exchange.promise.succeed(Answer(response: PooledHTTPClient.Response(status: response.status, headers: response.headers,
                                                                                  body: body ?? ByteBuffer()),
                                            keepAlive: response.isKeepAlive))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if current != nil { fail(PooledHTTPClient.Failure.connectionClosed, context: context) }
        context.fireChannelInactive()
    }

    /// Fails the exchange under way, if any, and closes the connection: its state is unknown.
    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if let exchange = current {
            current = nil
            exchange.promise.fail(error)
        }
        context.close(promise: nil)
    }
}
