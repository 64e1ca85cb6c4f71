import EventLog
import FSPIOP
import Logging
import PaymentDomain
import ServiceLifecycle
import Processing

/// Which parts of the connector a process runs (`PM_ROLES`). A DFSP that outgrows one machine runs edges
/// (the HTTP servers: TLS, JWS checks, schemas) in several processes beside one processor, all on Kafka.
public struct ConnectorRoles: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The inbound FSPIOP server and the outbound API server; the outbound board follows the log.
    public static let edge = ConnectorRoles(rawValue: 1)
    /// The processor: facts to events, effects, timers, checkpoints.
    public static let processor = ConnectorRoles(rawValue: 2)
    /// The projections and the experience API (the read side; run by the composition root, not by the connector).
    public static let projections = ConnectorRoles(rawValue: 4)
    public static let all: ConnectorRoles = [.edge, .processor, .projections]
    /// The roles the connector itself runs.
    public static let connector: ConnectorRoles = [.edge, .processor]

    /// `edge`, `processor`, `projections`, or several separated by commas (`all` for every one).
    public init?(parsing text: String) {
        var roles: ConnectorRoles = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            switch name {
            case "edge": roles.insert(.edge)
            case "processor": roles.insert(.processor)
            case "projections": roles.insert(.projections)
            case "all": roles.formUnion(.all)
            default: return nil
            }
        }
        guard !roles.isEmpty else { return nil }
        self = roles
    }

    public var description: String {
        [contains(.edge) ? "edge" : nil, contains(.processor) ? "processor" : nil, contains(.projections) ? "projections" : nil]
            .compactMap { $0 }.joined(separator: ",")
    }
}

/// In a process that runs the edges without the processor, keeps the outbound board from the log: the
/// outbound API's synchronous callers wait on states another process decided (DESIGN.md, "Data flow" 6).
///
/// At start it joins `pm.transfers` and `pm.refusals` at their ends (a group of its own: every edge sees
/// every event), then folds `pm.transfers` from the processor's last checkpoint, as a restarting processor
/// does; events read both ways are folded once, by their sequence numbers. Then it folds what comes and
/// publishes it as the processor does in a single process: transfers and requests to pay, the answers of
/// stand-alone lookups and relayed requests, and refusals.
final class BoardFeeder: Sendable {
    let log: any EventLog
    let topics: ConnectorTopics
    let board: OutboundBoard
    let recoverer: Recoverer
    let retentionMilliseconds: Int64
    let logger: Logger
    let clock = WallClock()
    private let readiness = Latch<Void>()

    /// `retentionMilliseconds` is the processor's: the feeder keeps ended aggregates twice as long, so that it
    /// never forgets one the processor still continues (a party lookup goes on with its next sequence number
    /// until the processor evicts it; once evicted, it starts again at 1).
    init(log: any EventLog, topics: ConnectorTopics, board: OutboundBoard, recoverer: Recoverer, retentionMilliseconds: Int64, logger: Logger) {
        self.log = log
        self.topics = topics
        self.board = board
        self.recoverer = recoverer
        self.retentionMilliseconds = retentionMilliseconds * 2
        self.logger = logger
    }

    func ready() async throws(LatchFailure) { try await readiness.value() }

    func run() async throws {
        defer { readiness.fail("the board feeder stopped before it was ready") }
        for spec in topics.specs { try await log.ensureTopic(spec) }
        // Joined first, at the ends: whatever the fold below does not read, the consumer delivers.
        let consumer = try await log.consumer(Subscription(group: "\(recoverer.group).edge.\(IDs.make())", topics: [topics.transfers, topics.refusals],
                                                           startAt: .latest))
        var store = AggregateStore()
        var folded = 0
        let from = try await recoverer.lastCheckpoint().map { $0.adding(milliseconds: -recoverer.marginMilliseconds) }
        try await recoverer.readAll(topics.transfers, from: from) { envelope in
            if fold(envelope, into: &store) != nil { folded += 1 }
        }
        _ = store.evict(endedBefore: clock.now.adding(milliseconds: -retentionMilliseconds))
        board.publish(Array(store.outbound.values), requestsToPay: Array(store.requestsToPay.values), refusals: [])
        logger.info("edge follows the processor through the log", metadata: ["eventsFolded": "\(folded)", "transfers": "\(store.outbound.count)"])
        readiness.succeed(())
        var lastEviction = ContinuousClock.now
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask {
                try? await gracefulShutdown()
                await consumer.close()
            }
            while let batch = try await consumer.nextBatch() {
                publish(batch, &store)
                if ContinuousClock.now - lastEviction > .seconds(1) {
                    lastEviction = ContinuousClock.now
                    let evicted = store.evict(endedBefore: clock.now.adding(milliseconds: -retentionMilliseconds))
                    board.forget(transfers: evicted.filter { $0.kind == .outbound }.map(\.id),
                                 requestsToPay: evicted.filter { $0.kind == .requestToPay }.map(\.id))
                }
            }
            tasks.cancelAll()
        }
    }

    /// Folds a batch and publishes what changed.
    func publish(_ batch: [ConsumerRecord], _ store: inout AggregateStore) {
        var touched: Set<AggregateRef> = []
        var refusals: [(ref: AggregateRef, error: FSPIOPError)] = []
        var lookups: [(requestId: String, result: PartyLookupResult)] = []
        for record in batch {
            let envelope: Envelope
            do { envelope = try Envelope(bytes: record.value) } catch {
                // Not an envelope this build reads: the edge's view of its aggregate stops here; an operator must know.
                logger.error("a record of the processor cannot be read; the outbound API's view of its aggregate does not move", metadata: [
                    "topic": "\(record.topic)", "position": "\(record.position)", "error": "\(error)"])
                continue
            }
            if envelope.type == Processor.refusalType {
                if let refusal = Self.refusal(envelope) { refusals.append(refusal) } else {
                    logger.error("a refusal of the processor cannot be read; its caller will time out", metadata: ["id": "\(envelope.id)"])
                }
                continue
            }
            guard let event = fold(envelope, into: &store) else { continue }
            touched.insert(event.ref)
            if case let .party(_, partyEvent) = event {
                switch partyEvent {
                case let .resolved(party, transfers):
                    lookups += Self.standalone(transfers).map { ($0, .resolved(party)) }
                case let .failed(error, transfers):
                    lookups += Self.standalone(transfers).map { ($0, .failed(error)) }
                default:
                    break
                }
            }
        }
        board.publish(touched.compactMap { $0.kind == .outbound ? store.outbound[$0.id] : nil },
                      requestsToPay: touched.compactMap { $0.kind == .requestToPay ? store.requestsToPay[$0.id] : nil },
                      refusals: refusals)
        board.publish(lookups: lookups)
        board.publish(relayed: touched.compactMap { ref in
            ref.kind == .relayed ? store.relayed[ref.id].flatMap { $0.phase.isTerminal ? $0 : nil } : nil
        })
    }

    /// Folds an event of `pm.transfers` unless it was folded already (its sequence number is not the next of
    /// its aggregate) or belongs to an aggregate whose start this edge did not see; returns it when folded.
    func fold(_ envelope: Envelope, into store: inout AggregateStore) -> DomainEvent? {
        let event: DomainEvent
        do { event = try DomainEvent(envelope: envelope) } catch {
            logger.error("an event of pm.transfers cannot be read; the outbound API's view of its aggregate does not move", metadata: [
                "type": "\(envelope.type)", "id": "\(envelope.id)", "error": "\(error)"])
            return nil
        }
        let ref = event.ref
        let current = store.version(of: ref)
        // An aggregate evicted by the processor and started again begins anew at 1.
        if envelope.sequence == 1, current > 0, store.isFinished(ref) { store.remove(ref) }
        let expected = store.version(of: ref) + 1
        guard envelope.sequence == expected else {
            if envelope.sequence > expected, expected > 1 {
                logger.warning("an event of pm.transfers is missing; the aggregate stays as it was", metadata: [
                    "aggregate": "\(ref)", "sequence": "\(envelope.sequence)", "expected": "\(expected)"])
            }
            return nil
        }
        store.apply(event, causation: nil, at: envelope.occurredAt)
        return event
    }

    /// The request ids of stand-alone lookups among the waiters of a party lookup.
    static func standalone(_ waiters: [String]) -> [String] {
        waiters.filter { $0.hasPrefix(standaloneLookupPrefix) }.map { String($0.dropFirst(standaloneLookupPrefix.count)) }
    }

    /// A `processor.fact-refused` record: the aggregate and the error its caller gets.
    static func refusal(_ envelope: Envelope) -> (ref: AggregateRef, error: FSPIOPError)? {
        guard let kind = envelope.payload["aggregate"]?.stringValue.flatMap(AggregateKind.init(rawValue:)),
              let id = envelope.payload["id"]?.stringValue, let body = envelope.payload["error"],
              let error = try? JSONValueDecoder.decode(ErrorInformationObject.self, from: body) else { return nil }
        return (AggregateRef(kind, id), FSPIOPError(received: error))
    }
}
