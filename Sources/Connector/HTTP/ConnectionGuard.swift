import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// What a server allows one connection: how many may be open at once, how long TLS may take to start, and how long
/// a connection may stay idle. Slow or idle clients cannot hold the server's sockets for long, nor open without bound.
public struct ConnectionLimits: Sendable, Hashable {
    /// Connections open at once; one more is closed as soon as it is accepted (`PM_MAX_CONNECTIONS`).
    public var maximumConnections: Int
    /// How long a client has to finish the TLS handshake (`PM_TLS_HANDSHAKE_TIMEOUT_SECONDS`).
    public var handshakeTimeout: Duration
    /// How long a connection may stay without reading a request before it is closed (`PM_IDLE_TIMEOUT_SECONDS`).
    public var idleTimeout: Duration

    public init(maximumConnections: Int = 1024, handshakeTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60)) {
        self.maximumConnections = maximumConnections
        self.handshakeTimeout = handshakeTimeout
        self.idleTimeout = idleTimeout
    }
}

/// The count of a server's open connections against its limit, shared by the handlers of all its connections.
final class ConnectionCount: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Takes a place; false when the server is full (nothing taken).
    func acquire() -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() { open.subtract(1, ordering: .relaxed) }

    var current: Int { open.load(ordering: .relaxed) }
}

/// A server child channel with ``ConnectionLimits`` applied in front of `Base` (HTTP/1, with or without TLS).
struct GuardedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let count: ConnectionCount
    let handshakeTimeout: TimeAmount?
    /// Called for a connection refused because the server is full, or closed because TLS took too long.
    let refused: @Sendable (_ reason: String) -> Void

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admitted: EventLoopFuture<Void> = channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ConnectionSlot(count: count, refused: refused), position: .first)
        }
        return admitted.flatMap { base.setup(channel: channel, logger: logger) }.flatMapThrowing { value in
            if let handshakeTimeout, let tls = try? channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self) {
                try channel.pipeline.syncOperations.addHandler(HandshakeDeadline(timeout: handshakeTimeout, refused: refused), position: .after(tls))
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Holds a place among the server's connections while the connection is open; closes it at once when there is none.
final class ConnectionSlot: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let count: ConnectionCount
    let refused: @Sendable (String) -> Void
    private var holds = false

    init(count: ConnectionCount, refused: @escaping @Sendable (String) -> Void) {
        self.count = count
        self.refused = refused
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard context.channel.isActive, !holds else { return }
        admit(context)
    }

    func channelActive(context: ChannelHandlerContext) {
        if !holds { admit(context) }
        context.fireChannelActive()
    }

    private func admit(_ context: ChannelHandlerContext) {
        if count.acquire() {
            holds = true
        } else {
            refused("connection-limit")
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if holds {
            holds = false
            count.release()
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if holds {
            holds = false
            count.release()
        }
    }
}

/// Closes a connection whose TLS handshake has not completed in time; removes itself once it has.
final class HandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let timeout: TimeAmount
    let refused: @Sendable (String) -> Void
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, refused: @escaping @Sendable (String) -> Void) {
        self.timeout = timeout
        self.refused = refused
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let refused = self.refused
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            refused("tls-handshake-timeout")
            loopBound.value.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            deadline?.cancel()
            deadline = nil
            context.pipeline.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}

extension Duration {
    /// This duration as NIO's `TimeAmount`, saturating instead of trapping.
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .nanoseconds(seconds > 0 ? .max : .min) }
        return .nanoseconds(nanoseconds.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }
}
