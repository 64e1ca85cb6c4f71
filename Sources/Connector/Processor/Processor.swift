import EventLog
import FSPIOP
import Logging
import PaymentDomain
import ServiceLifecycle
import Synchronization
import Processing

/// The connector's processor (DESIGN.md, "Data flow"): consumes facts in per-key order, folds and
/// decides, appends the domain events, then performs their effects and commits its input offsets.
///
/// Crash safety: effects start only after their events are durable, and offsets are committed only
/// after that; a fact read again after a crash is recognised (its id is the causation of events
/// already on the log) and skipped. At start the processor folds `pm.transfers`, and every effect
/// whose outcome is not on the log (no `effect.completed`, no answer from the core) is performed
/// again: requests carry their FSPIOP ids, so the hub and the core see a resend, not a new request.
public final class Processor: Service, Sendable {
    public struct Settings: Sendable {
        public var outbound: OutboundConfiguration
        public var inbound: InboundConfiguration
        public var topics: ConnectorTopics
        /// The consumer group of the processors sharing the fact topics.
        public var group: String
        /// How often the timer looks for passed deadlines.
        public var timerInterval: Duration
        /// How long an ended transfer stays in memory (for resends, late callbacks and `GET /transfers`)
        /// before it is evicted; its history stays on the log.
        public var finishedRetentionMilliseconds: Int64
        /// How often the processor records a recovery checkpoint (`pm.checkpoints`): the time of the first
        /// event of the oldest aggregate in memory, from which a restart folds the log again.
        public var checkpointIntervalMilliseconds: Int64
        /// How much earlier than the checkpoint a restart starts reading, for clocks that stepped back.
        public var recoveryMarginMilliseconds: Int64
        /// Elect one leader among the processors of the group (dedicated processor processes, `PM_ROLES=processor`):
        /// only the member holding the leader topic's partition consumes facts; the others stand by and take over
        /// when it leaves or dies. Without it the processor consumes at once.
        public var electsLeader = false
        /// The hub's FSP id (`PM_HUB_ID`): what it originates may end any wait.
        public var hubId = "switch"

        public init(outbound: OutboundConfiguration, inbound: InboundConfiguration, topics: ConnectorTopics,
                    group: String = "pm.processor", timerInterval: Duration = .milliseconds(50),
                    finishedRetentionMilliseconds: Int64 = 300_000, checkpointIntervalMilliseconds: Int64 = 10_000,
                    recoveryMarginMilliseconds: Int64 = 60_000) {
            self.finishedRetentionMilliseconds = finishedRetentionMilliseconds
            self.checkpointIntervalMilliseconds = checkpointIntervalMilliseconds
            self.recoveryMarginMilliseconds = recoveryMarginMilliseconds
            self.outbound = outbound
            self.inbound = inbound
            self.topics = topics
            self.group = group
            self.timerInterval = timerInterval
        }
    }

    let log: any EventLog
    let settings: Settings
    let router: FactRouter
    let hub: HubClient
    let backend: BackendClient
    let board: OutboundBoard
    let metrics: HTTPMetrics
    let logger: Logger
    let clock = WallClock()
    /// Deadlines of waiting aggregates, shared with the timer; `fired` remembers which were announced.
    private let timers = Mutex(Timers())
    private let readiness = Latch<Void>()
    private let recovery = Mutex(Recovery())
    private let inFlight = Mutex(InFlight())
    private let effectCount = Atomic<Int>(0)

    /// What the last start folded.
    public var lastRecovery: Recovery { recovery.withLock { $0 } }

    private struct Timers {
        var deadlines: [AggregateRef: Timestamp] = [:]
        var fired: [AggregateRef: Timestamp] = [:]
    }

    public init(log: any EventLog, settings: Settings, hub: HubClient, backend: BackendClient, board: OutboundBoard,
                metrics: HTTPMetrics = HTTPMetrics(), logger: Logger) {
        self.metrics = metrics
        self.log = log
        self.settings = settings
        self.router = FactRouter(outboundConfiguration: settings.outbound, inboundConfiguration: settings.inbound, hubId: settings.hubId,
                                 newID: IDs.make)
        self.hub = hub
        self.backend = backend
        self.board = board
        self.logger = logger
    }

    /// Waits until the processor has recovered its state and consumes facts; throws if it stopped first.
    public func ready() async throws(LatchFailure) { try await readiness.value() }

    public func run() async throws {
        defer { readiness.fail("the processor stopped before it was ready") }
        for spec in settings.topics.specs { try await log.ensureTopic(spec) }
        guard settings.electsLeader else {
            try await lead(while: nil)
            return
        }
        // Several processors sharing the facts would each see a part of the correlations: one leads, the others
        // stand by. Leadership is the one partition of the leader topic, held through a consumer group.
        let lock = try await log.consumer(Subscription(group: settings.group + ".leader", topics: [settings.topics.leader], startAt: .latest,
                                                       keepsAssignments: true))
        defer { Task { await lock.close() } }
        metrics.gauge("pm_processor_leader", 0)
        // Standing by is a ready state (a standby answers /ready 200; the gauge says which one leads).
        readiness.succeed(())
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            guard await lock.assignment().isEmpty else {
                logger.info("processor leads its group", metadata: ["group": "\(settings.group)"])
                metrics.gauge("pm_processor_leader", 1)
                try await lead(while: lock)
                metrics.gauge("pm_processor_leader", 0)
                continue
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Consumes facts until graceful shutdown, or until `lock` no longer holds the leadership.
    func lead(while lock: LogConsumer?) async throws {
        // A new term starts clean: what the last one had under way is on the log, or performed again from it.
        inFlight.withLock { $0 = InFlight() }
        timers.withLock { $0 = Timers() }
        let consumer = try await log.consumer(Subscription(group: settings.group, topics: settings.topics.factTopics))
        if let lock {
            // The previous leader may still hold fact partitions (it has not noticed, or its session has not
            // expired): fold the log only once this member holds them all, so that nothing it appends is missed.
            let total = try await log.describeTopics().filter { settings.topics.factTopics.contains($0.name) }.reduce(0) { $0 + $1.partitions.count }
            while await consumer.assignment().count < total {
                let leads = await !lock.assignment().isEmpty
                if Task.isCancelled || Task.isShuttingDownGracefully || !leads {
                    await consumer.close()
                    return
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        var (store, pending) = try await recover()
        _ = store.evict(endedBefore: clock.now.adding(milliseconds: -settings.finishedRetentionMilliseconds))
        publish(all: store)
        let recovered = lastRecovery
        logger.info("processor started", metadata: [
            "transfers": "\(store.outbound.count + store.inbound.count)", "redriven": "\(pending.count)",
            "eventsFolded": "\(recovered.eventsFolded)", "foldedFrom": "\(recovered.foldedFrom?.dateTime ?? "the start of the log")",
        ])
        metrics.gauge("pm_processor_recovery_events_folded", Double(recovered.eventsFolded))
        readiness.succeed(())
        do {
            try await consume(consumer, lock: lock, store: &store, pending: &pending)
        } catch {
            // A term ends with errors of its closed consumer (a commit refused after a rebalance): stand by again.
            guard let lock, await lock.assignment().isEmpty else { throw error }
            logger.warning("processor stopped leading", metadata: ["error": "\(error)"])
        }
    }

    /// The consuming loop of a term: facts to events, effects, timers, evictions, checkpoints.
    private func consume(_ consumer: LogConsumer, lock: LogConsumer?, store: inout AggregateStore, pending: inout [Work]) async throws {
        var lastEviction = ContinuousClock.now
        var lastCheckpoint = ContinuousClock.now
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask {
                // Leaving the group on graceful shutdown, or when the leadership is lost, ends the consuming loop below.
                if let lock {
                    await cancelWhenGracefulShutdown {
                        while !Task.isCancelled, await !lock.assignment().isEmpty { try? await Task.sleep(for: .milliseconds(200)) }
                    }
                    if !Task.isShuttingDownGracefully {
                        self.logger.error("processor lost the leadership of its group; standing by", metadata: ["group": "\(self.settings.group)"])
                    }
                } else {
                    try? await gracefulShutdown()
                }
                await consumer.close()
            }
            tasks.addTask { await self.runTimers() }
            for item in pending { tasks.addTask { await self.perform(item) } }
            pending = []
            while let batch = try await consumer.nextBatch() {
                // The leadership lost: nothing more is appended or committed in this term.
                if let lock, await lock.assignment().isEmpty { break }
                let started = ContinuousClock.now
                let decided = process(batch, &store)
                // The events and the input offsets in one step (one transaction on the embedded log).
                _ = try await consumer.commit(batch.map(\.position), appending: decided.records, to: log)
                // Durable: now the world may learn of it.
                board.publish(decided.outbound.compactMap { store.outbound[$0] },
                              requestsToPay: decided.touched.compactMap { $0.kind == .requestToPay ? store.requestsToPay[$0.id] : nil },
                              refusals: decided.refusals)
                board.publish(lookups: decided.lookups)
                board.publish(relayed: decided.touched.compactMap { ref in
                    ref.kind == .relayed ? store.relayed[ref.id].flatMap { $0.phase.isTerminal ? $0 : nil } : nil
                })
                timers.withLock { timers in
                    for ref in decided.touched { timers.deadlines[ref] = store.deadlines[ref] }
                }
                for item in decided.work { tasks.addTask { await self.perform(item) } }
                metrics.count("pm_processor_facts_total", by: Double(batch.count))
                metrics.recordCall(peer: "log", method: "process", resource: "batch", outcome: "ok", since: started)
                if ContinuousClock.now - lastEviction > .seconds(1) {
                    lastEviction = ContinuousClock.now
                    let evicted = store.evict(endedBefore: clock.now.adding(milliseconds: -settings.finishedRetentionMilliseconds))
                    board.forget(transfers: evicted.filter { $0.kind == .outbound }.map(\.id),
                                 requestsToPay: evicted.filter { $0.kind == .requestToPay }.map(\.id))
                    timers.withLock { timers in for ref in evicted { timers.deadlines[ref] = nil } }
                }
                if ContinuousClock.now - lastCheckpoint > .milliseconds(settings.checkpointIntervalMilliseconds) {
                    lastCheckpoint = ContinuousClock.now
                    await writeCheckpoint(store)
                }
                metrics.gauge("pm_processor_transfers_in_memory", Double(store.outbound.count + store.inbound.count))
            }
            tasks.cancelAll()
        }
    }

    // MARK: - Processing

    /// An effect to perform, with the event that caused it.
    struct Work: Sendable {
        var effect: Effect
        var causation: String?
        var correlation: String?
        /// When the aggregate that asked for it had its first event: until its outcome is recorded, a
        /// restart must fold the log from there to perform it again.
        var since: Timestamp?
        /// Its entry among the effects in flight, while it runs.
        var token: Int?
    }

    /// Recorded effects under way, by token: the first-event time of their aggregates.
    private struct InFlight {
        var next = 0
        var since: [Int: Timestamp] = [:]
    }

    /// What a batch of facts decided: the records to append, the effects to perform once they are
    /// durable, and what to publish.
    struct Decided {
        var records: [ProducerRecord] = []
        var work: [Work] = []
        var outbound: Set<String> = []
        var touched: Set<AggregateRef> = []
        var refusals: [(ref: AggregateRef, error: FSPIOPError)] = []
        var lookups: [(requestId: String, result: PartyLookupResult)] = []
    }

    func process(_ batch: [ConsumerRecord], _ store: inout AggregateStore) -> Decided {
        var records: [ProducerRecord] = []
        var work: [Work] = []
        var touchedOutbound: Set<String> = []
        var touched: Set<AggregateRef> = []
        var refusals: [(ref: AggregateRef, error: FSPIOPError)] = []
        var lookups: [(requestId: String, result: PartyLookupResult)] = []
        let now = clock.now
        for record in batch {
            let envelope: Envelope
            let fact: ConnectorFact
            do {
                envelope = try Envelope(bytes: record.value)
                fact = try ConnectorFact(wireName: envelope.type, payload: envelope.payload)
            } catch {
                records.append(deadLetter(record, reason: "\(error)", now: now))
                continue
            }
            if store.decidedFacts.contains(envelope.id) { continue }
            let routed = router.route(fact, factId: envelope.id, now: envelope.occurredAt, store: &store)
            if let reason = routed.deadLetter {
                logger.warning("fact not processed", metadata: ["fact": "\(envelope.type)", "id": "\(envelope.id)", "reason": "\(reason)"])
                records.append(deadLetter(record, reason: reason, now: now))
                metrics.count("pm_dead_letters_total")
            }
            if let error = routed.refusedSender, case let .hubMessage(message) = fact {
                // A callback from a party the aggregate does not wait for: it changed nothing, and the rejection is on the log.
                logger.warning("message refused: its sender may not send it", metadata: [
                    "method": "\(message.method)", "path": "\(message.path)", "source": "\(message.source)", "id": "\(envelope.id)"])
                metrics.count("pm_inbound_refused_total", labels: ["reason": "sender"])
                records.append(factRecord(.hubMessageRejected(method: message.method, path: message.path, source: message.source,
                                                              error: error.errorInformation),
                                          topic: settings.topics.fspiopInbound, key: envelope.aggregateID, causation: envelope.id,
                                          correlation: envelope.correlationID))
            }
            refusals += routed.rejections
            for (ref, error) in routed.rejections {
                records.append(Self.refusalRecord(ref, error: error, fact: envelope, topic: settings.topics.refusals, now: now))
            }
            lookups += routed.lookups
            // Sequence numbers: the aggregate's version after each event, counted back from the final one.
            var remaining: [AggregateRef: Int64] = [:]
            for event in routed.events { remaining[event.ref, default: 0] += 1 }
            for event in routed.events {
                let ref = event.ref
                let left = remaining[ref, default: 1]
                remaining[ref] = left - 1
                let eventEnvelope = Envelope(
                    id: IDs.make(), type: event.wireName, schemaVersion: event.schemaVersion, aggregateID: ref.id,
                    sequence: store.version(of: ref) - left + 1, occurredAt: now,
                    correlationID: envelope.correlationID ?? ref.id, causationID: envelope.id,
                    payload: encoded(event.wireName) { try event.payload })
                records.append(eventEnvelope.record(topic: settings.topics.transfers))
                touched.insert(ref)
                if ref.kind == .outbound { touchedOutbound.insert(ref.id) }
                for effect in router.effects(of: event, store: store) {
                    work.append(Work(effect: effect, causation: eventEnvelope.id, correlation: eventEnvelope.correlationID,
                                     since: store.firstEvent(of: ref) ?? now))
                }
            }
            for reply in routed.replies { work.append(Work(effect: reply, causation: envelope.id, correlation: envelope.correlationID)) }
        }
        return Decided(records: records, work: work, outbound: touchedOutbound, touched: touched, refusals: refusals, lookups: lookups)
    }

    static let refusalType = "processor.fact-refused"

    /// A refused fact of the core, on `pm.refusals`: the aggregate, the fact, and the error its caller gets.
    static func refusalRecord(_ ref: AggregateRef, error: FSPIOPError, fact: Envelope, topic: String, now: Timestamp) -> ProducerRecord {
        let payload: JSONValue = .object([("aggregate", .string(ref.kind.rawValue)), ("id", .string(ref.id)), ("fact", .string(fact.type)),
                                          ("error", (try? JSONValueEncoder.encode(error.errorInformation)) ?? .null)])
        return Envelope(id: IDs.make(), type: refusalType, schemaVersion: 1, aggregateID: ref.id, sequence: 0, occurredAt: now,
                        correlationID: fact.correlationID, causationID: fact.id, payload: payload).record(topic: topic)
    }

    func deadLetter(_ record: ConsumerRecord, reason: String, now: Timestamp) -> ProducerRecord {
        var headers = record.headers
        headers.append(LogHeader(name: "pm.dead-letter.reason", text: reason))
        headers.append(LogHeader(name: "pm.dead-letter.source", text: record.position.description))
        return ProducerRecord(topic: settings.topics.deadLetter, key: record.key, headers: headers, value: record.value)
    }

    func publish(all store: AggregateStore) {
        board.publish(Array(store.outbound.values), requestsToPay: Array(store.requestsToPay.values), refusals: [])
        timers.withLock { $0.deadlines = store.deadlines }
    }

    // MARK: - Recovery

    var recoverer: Recoverer {
        Recoverer(log: log, topics: settings.topics, group: settings.group, router: router, marginMilliseconds: settings.recoveryMarginMilliseconds,
                  logger: logger)
    }

    /// Records a recovery checkpoint; a failure costs a longer restart, nothing else.
    func writeCheckpoint(_ store: AggregateStore) async {
        do { try await recoverer.writeCheckpoint(store, inFlightSince: oldestInFlight, now: clock.now) } catch {
            logger.warning("cannot record a recovery checkpoint; a restart reads more of the log", metadata: ["error": "\(error)"])
        }
    }

    func recover() async throws -> (AggregateStore, [Work]) {
        let (store, work, recovered) = try await recoverer.recover()
        recovery.withLock { $0 = recovered }
        return (store, work)
    }

    // MARK: - Timers

    func runTimers() async {
        var lastLag = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: settings.timerInterval)
            if ContinuousClock.now - lastLag > .seconds(1) {
                lastLag = ContinuousClock.now
                if let lag = try? await log.groupLag(settings.group) {
                    metrics.gauge("pm_log_consumer_lag", labels: ["group": settings.group], Double(lag.reduce(0) { $0 + $1.lag }))
                }
            }
            let now = clock.now
            let due: [(AggregateRef, Timestamp)] = timers.withLock { timers in
                var due: [(AggregateRef, Timestamp)] = []
                for (ref, deadline) in timers.deadlines where deadline <= now && timers.fired[ref] != deadline {
                    timers.fired[ref] = deadline
                    due.append((ref, deadline))
                }
                for ref in timers.fired.keys where timers.deadlines[ref] == nil { timers.fired[ref] = nil }
                return due
            }
            guard !due.isEmpty else { continue }
            let records = due.map { ref, _ in
                factRecord(.deadlinePassed(ref, at: now), topic: settings.topics.coreInbound, key: ref.id, causation: nil, correlation: ref.id)
            }
            do { _ = try await log.append(records) } catch {
                logger.error("cannot record passed deadlines; retrying", metadata: ["error": "\(error)"])
                timers.withLock { timers in for (ref, _) in due { timers.fired[ref] = nil } }
            }
        }
    }

    /// A payload, or null with the failure logged: the types encode their own Codable models, so a
    /// failure is a defect to see in the logs, not a reason to stop the processor.
    func encoded(_ type: String, _ payload: () throws -> JSONValue) -> JSONValue {
        do { return try payload() } catch {
            logger.error("cannot encode a payload; the record carries null", metadata: ["type": "\(type)", "error": "\(error)"])
            return .null
        }
    }

    // MARK: - Effects

    func factRecord(_ fact: ConnectorFact, topic: String, key: String, causation: String?, correlation: String?) -> ProducerRecord {
        let envelope = Envelope(id: IDs.make(), type: fact.wireName, schemaVersion: fact.schemaVersion, aggregateID: key, sequence: 0,
                                occurredAt: clock.now, correlationID: correlation, causationID: causation,
                                payload: encoded(fact.wireName) { try fact.payload })
        return envelope.record(topic: topic)
    }

    func record(_ fact: ConnectorFact, topic: String, key: String, _ item: Work) async {
        // Cancelled (graceful shutdown, or the leadership lost): the outcome may be the cancellation's, not the
        // world's. Nothing is recorded; the effect stays without an outcome, so the next processor performs it again.
        guard !Task.isCancelled else {
            logger.debug("an effect was cancelled; its outcome is not recorded", metadata: ["fact": "\(fact.wireName)", "key": "\(key)"])
            return
        }
        do {
            _ = try await log.append([factRecord(fact, topic: topic, key: key, causation: item.causation, correlation: item.correlation)])
            if let token = item.token { _ = inFlight.withLock { $0.since.removeValue(forKey: token) } }
        } catch {
            // The outcome is lost, not the effect: it stays in flight, so that checkpoints keep the log from
            // its aggregate on, and a restart performs it again.
            logger.error("cannot record an effect's outcome", metadata: ["fact": "\(fact.wireName)", "error": "\(error)"])
        }
    }

    /// The first-event time of the oldest aggregate with a recorded effect still under way.
    var oldestInFlight: Timestamp? { inFlight.withLock { $0.since.values.min() } }

    /// Effects (requests to the hub, calls to the core) started and not finished: when the connector takes more than it
    /// can finish, this is where the work piles up.
    public var effectsInFlight: Int { effectCount.load(ordering: .relaxed) }

    func perform(_ work: Work) async {
        effectCount.add(1, ordering: .relaxed)
        defer { effectCount.subtract(1, ordering: .relaxed) }
        var item = work
        if item.effect.isRecorded, let since = item.since {
            item.token = inFlight.withLock { state in
                state.next += 1
                state.since[state.next] = since
                return state.next
            }
        }
        let topics = settings.topics
        switch item.effect {
        case let .hub(request, ref):
            do {
                let outcome = try await hub.send(request, logger: logger)
                await record(.effectCompleted(outcome), topic: topics.fspiopOutbound, key: ref.id, item)
            } catch {
                await record(.hubRequestFailed(ref, error: error.error.errorInformation), topic: topics.coreInbound, key: ref.id, item)
            }
        case let .backendQuote(transactionId, request):
            do {
                let answer = try await backend.quote(request)
                await record(.quoteAnswered(transactionId: transactionId, answer: answer), topic: topics.coreInbound, key: transactionId, item)
            } catch {
                await record(.quoteRefused(transactionId: transactionId, error: error.errorInformation), topic: topics.coreInbound, key: transactionId, item)
            }
        case let .backendTransfer(transactionId, prepare, quoteRequest, quote):
            do {
                let answer = try await backend.transfer(prepare: prepare, quoteRequest: quoteRequest, quote: quote)
                await record(.transferAnswered(transactionId: transactionId, answer: answer), topic: topics.coreInbound, key: transactionId, item)
            } catch {
                await record(.transferRefused(transactionId: transactionId, error: error.errorInformation), topic: topics.coreInbound, key: transactionId, item)
            }
        case let .backendNotify(transactionId, transferId, notification):
            let url = backend.baseURL + "/transfers/\(transferId)"
            do {
                try await backend.notify(transferId: transferId, notification: notification)
                await record(.effectCompleted(EffectOutcome(method: "PUT", url: url, status: 200, error: nil)), topic: topics.fspiopOutbound, key: transactionId, item)
            } catch {
                logger.warning("the core was not told the transfer's final state", metadata: ["transferId": "\(transferId)", "error": "\(error)"])
                await record(.effectCompleted(EffectOutcome(method: "PUT", url: url, status: nil, error: error.errorDescription)), topic: topics.fspiopOutbound, key: transactionId, item)
            }
        case let .backendTransactionRequest(request):
            let id = request.transactionRequestId
            do {
                let answer = try await backend.transactionRequest(request)
                await record(.transactionRequestAnswered(transactionRequestId: id, answer: answer), topic: topics.coreInbound, key: id, item)
            } catch {
                await record(.transactionRequestRefused(transactionRequestId: id, error: error.errorInformation), topic: topics.coreInbound, key: id, item)
            }
        case let .backendBulkQuote(request):
            let id = request.bulkQuoteId
            do {
                let answer = try await backend.bulkQuote(request)
                await record(.bulkQuoteAnswered(bulkQuoteId: id, answer: answer), topic: topics.coreInbound, key: id, item)
            } catch {
                await record(.bulkQuoteRefused(bulkQuoteId: id, error: error.errorInformation), topic: topics.coreInbound, key: id, item)
            }
        case let .backendBulkTransfer(request):
            let id = request.bulkTransferId
            do {
                let answer = try await backend.bulkTransfer(request)
                await record(.bulkTransferAnswered(bulkTransferId: id, answer: answer), topic: topics.coreInbound, key: id, item)
            } catch {
                await record(.bulkTransferRefused(bulkTransferId: id, error: error.errorInformation), topic: topics.coreInbound, key: id, item)
            }
        case let .backendRequestToPayNotify(id, home, state):
            let url = backend.baseURL + "/requestToPay/\(id)"
            do {
                try await backend.notifyRequestToPay(transactionRequestId: id, homeR2PTransactionId: home, state: state)
                await record(.effectCompleted(EffectOutcome(method: "PUT", url: url, status: 200, error: nil)), topic: topics.fspiopOutbound, key: id, item)
            } catch {
                logger.warning("the core was not told the answer to its request to pay", metadata: ["transactionRequestId": "\(id)", "error": "\(error)"])
                await record(.effectCompleted(EffectOutcome(method: "PUT", url: url, status: nil, error: error.errorDescription)), topic: topics.fspiopOutbound, key: id, item)
            }
        case let .answerPartyQuery(idType, idValue, idSubValue, source):
            let path = FSPIOPPath.path(["parties", idType, idValue] + (idSubValue.map { [$0] } ?? []))
            let request: HubRequest
            do {
                let party = try await backend.party(idType: idType, idValue: idValue, idSubValue: idSubValue)
                request = HubRequest(method: "PUT", resource: .parties, path: path, destination: source,
                                     body: try? JSONValueEncoder.encode(PartiesTypeIDPutResponse(party: party.fspiopParty(fspId: settings.outbound.dfspId,
                                                                                                                           idType: idType, idValue: idValue, idSubValue: idSubValue))))
            } catch {
                request = HubRequest(method: "PUT", resource: .parties, path: path + "/error", destination: source,
                                     body: try? JSONValueEncoder.encode(error.errorInformation))
            }
            do { _ = try await hub.send(request, logger: logger) } catch {
                logger.warning("cannot answer a party lookup", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        case let .answerParticipantQuery(idType, idValue, idSubValue, source):
            let path = FSPIOPPath.path(["participants", idType, idValue] + (idSubValue.map { [$0] } ?? []))
            let request: HubRequest
            do {
                _ = try await backend.party(idType: idType, idValue: idValue, idSubValue: idSubValue)
                request = HubRequest(method: "PUT", resource: .participants, path: path, destination: source,
                                     body: try? JSONValueEncoder.encode(ParticipantsTypeIDPutResponse(fspId: settings.outbound.dfspId)))
            } catch {
                request = HubRequest(method: "PUT", resource: .participants, path: path + "/error", destination: source,
                                     body: try? JSONValueEncoder.encode(error.errorInformation))
            }
            do { _ = try await hub.send(request, logger: logger) } catch {
                logger.warning("cannot answer a participant lookup", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        case let .answerAuthorization(id, source):
            let path = "/authorizations/\(id)"
            let request: HubRequest
            do {
                let otp = try await backend.otp(transactionRequestId: id)
                let body = AuthorizationsIDPutResponse(authenticationInfo: AuthenticationInfo(authentication: "OTP", authenticationValue: .text(otp)),
                                                       responseType: "ENTERED")
                request = HubRequest(method: "PUT", resource: .authorizations, path: path, destination: source, body: try? JSONValueEncoder.encode(body))
            } catch {
                request = HubRequest(method: "PUT", resource: .authorizations, path: path + "/error", destination: source,
                                     body: try? JSONValueEncoder.encode(error.errorInformation))
            }
            do { _ = try await hub.send(request, logger: logger) } catch {
                logger.warning("cannot answer an authorization request", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        case let .reply(request):
            do { _ = try await hub.send(request, logger: logger) } catch {
                logger.warning("cannot send a callback", metadata: ["path": "\(request.path)", "error": "\(error)"])
            }
        }
    }
}

extension AggregateStore {
    /// How many events the aggregate has.
    func version(of ref: AggregateRef) -> Int64 {
        switch ref.kind {
        case .outbound: return outbound[ref.id]?.version ?? 0
        case .inbound: return inbound[ref.id]?.version ?? 0
        case .party: return lookups[ref.id]?.version ?? 0
        case .relayed: return relayed[ref.id]?.version ?? 0
        case .requestToPay: return requestsToPay[ref.id]?.version ?? 0
        case .transactionRequest: return transactionRequests[ref.id]?.version ?? 0
        case .bulkQuote: return bulkQuotes[ref.id]?.version ?? 0
        case .bulkTransfer: return bulkTransfers[ref.id]?.version ?? 0
        }
    }
}

extension TransferParty {
    /// The FSPIOP party for this core party, owned by `fspId` (the SDK's `internalPartyToMojaloopParty`).
    func fspiopParty(fspId: String, idType: String, idValue: String, idSubValue: String?) -> Party {
        let hasName = firstName != nil || middleName != nil || lastName != nil
        let personal = hasName || dateOfBirth != nil
            ? PartyPersonalInfo(complexName: hasName ? PartyComplexName(firstName: firstName, middleName: middleName, lastName: lastName) : nil,
                                dateOfBirth: dateOfBirth)
            : nil
        return Party(partyIdInfo: PartyIdInfo(partyIdType: idType, partyIdentifier: idValue, partySubIdOrType: idSubValue, fspId: fspId),
                     merchantClassificationCode: merchantClassificationCode, name: displayName, personalInfo: personal)
    }
}
