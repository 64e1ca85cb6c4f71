import AsyncHTTPClient
import FSPIOP
import Logging
import NIOCore
import Synchronization

/// Delivers the hub's requests to DFSPs, after the request that caused them was answered.
///
/// Messages are queued by ``send(_:)`` (never blocking a handler or a timer) and delivered
/// concurrently by ``run()`` through one shared `HTTPClient` with pooled keep-alive connections. The
/// hub does not retry, as the reference switch does not: a DFSP that misses a callback asks again
/// (`GET /transfers/{ID}`). Every failure is logged with the message's purpose, destination and URL,
/// and counted.
final class HubCourier: Sendable {
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let logger: Logger
    private let queue: AsyncStream<HubOutboundMessage>
    private let queueInput: AsyncStream<HubOutboundMessage>.Continuation
    private let counts = Mutex(HubDeliveryCounts())

    init(client: HTTPClient, timeout: Duration, logger: Logger) {
        self.client = client
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        self.logger = logger
        (queue, queueInput) = AsyncStream.makeStream(of: HubOutboundMessage.self, bufferingPolicy: .unbounded)
    }

    /// Queues a message for delivery.
    func send(_ message: HubOutboundMessage) {
        if case .terminated = queueInput.yield(message) {
            counts.withLock { $0.failed += 1 }
            logger.error("The hub is stopping: a message to a DFSP is not sent", metadata: metadata(message))
        }
    }

    /// Delivers queued messages until ``finish()`` (then the ones already queued are still delivered)
    /// or cancellation.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await message in queue {
                group.addTask { await self.deliver(message) }
            }
        }
    }

    /// Stops taking messages.
    func finish() {
        queueInput.finish()
    }

    /// Messages delivered (the DFSP answered 2xx) and failed so far.
    var deliveryCounts: HubDeliveryCounts { counts.withLock { $0 } }

    private func deliver(_ message: HubOutboundMessage) async {
        var request = HTTPClientRequest(url: message.url)
        request.method = .init(rawValue: message.method)
        for field in message.headers { request.headers.add(name: field.name, value: field.value) }
        if !message.body.isEmpty { request.body = .bytes(message.body) }
        do {
            let response = try await client.execute(request, timeout: timeout, logger: logger)
            let body = try await response.body.collect(upTo: 64 * 1024)
            if (200..<300).contains(Int(response.status.code)) {
                counts.withLock { $0.delivered += 1 }
                logger.debug("Delivered", metadata: metadata(message).merging([HubLogKey.httpStatus: "\(response.status.code)"]) { $1 })
            } else {
                counts.withLock { $0.failed += 1 }
                var details = metadata(message)
                details[HubLogKey.httpStatus] = "\(response.status.code)"
                details[HubLogKey.responseBody] = "\(String(buffer: body).prefix(512))"
                logger.warning("A DFSP refused a message from the hub", metadata: details)
            }
        } catch {
            counts.withLock { $0.failed += 1 }
            var details = metadata(message)
            details[HubLogKey.error] = "\(error)"
            logger.error("Cannot deliver a message to a DFSP", metadata: details)
        }
    }

    private func metadata(_ message: HubOutboundMessage) -> Logger.Metadata {
        [
            HubLogKey.purpose: "\(message.purpose)",
            HubLogKey.destination: "\(message.destination)",
            HubLogKey.method: "\(message.method)",
            HubLogKey.url: "\(message.url)",
        ]
    }
}

/// How many messages the hub delivered to DFSPs and how many failed (a network error, a timeout, or
/// an answer other than 2xx).
public struct HubDeliveryCounts: Sendable, Hashable, Codable {
    public var delivered: Int = 0
    public var failed: Int = 0
}
