import EventLog
import FSPIOP
import Logging
import PaymentDomain
import ServiceLifecycle
import ServiceContextModule
import Synchronization
import Tracing
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
    /// Performs the effects of durable events and records their outcomes.
    let effects: EffectRunner
    /// Records the deadlines of waiting aggregates that pass.
    let timer: DeadlineTimer
    private let readiness = Latch<Void>()
    private let recovery = Mutex(Recovery())

    /// What the last start folded.
    public var lastRecovery: Recovery { recovery.withLock { $0 } }

    /// Effects (requests to the hub, calls to the core) started and not finished: when the connector takes more than it
    /// can finish, this is where the work piles up.
    public var effectsInFlight: Int { effects.effectsInFlight }

    typealias Work = EffectRunner.Work

    public init(log: any EventLog, settings: Settings, hub: HubClient, backend: BackendClient, board: OutboundBoard,
                metrics: HTTPMetrics = HTTPMetrics(), logger: Logger) {
        self.metrics = metrics
        self.log = log
        self.settings = settings
        self.router = FactRouter(outboundConfiguration: settings.outbound, inboundConfiguration: settings.inbound, hubId: settings.hubId)
        self.hub = hub
        self.backend = backend
        self.board = board
        self.logger = logger
        effects = EffectRunner(log: log, topics: settings.topics, hub: hub, backend: backend, dfspId: settings.outbound.dfspId, logger: logger)
        timer = DeadlineTimer(log: log, topics: settings.topics, interval: settings.timerInterval, effects: effects, logger: logger)
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
        // stand by. Standing by is a ready state (a standby answers /ready 200; the gauge says which one leads).
        let election = LeaderElection(log: log, group: settings.group, topic: settings.topics.leader, metrics: metrics, logger: logger)
        try await election.run(standingBy: { readiness.succeed(()) }, term: { lock in try await lead(while: lock) })
    }

    /// Consumes facts until graceful shutdown, or until `lock` no longer holds the leadership.
    func lead(while lock: LogConsumer?) async throws {
        // A new term starts clean: what the last one had under way is on the log, or performed again from it.
        effects.startTerm()
        timer.reset()
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
        store.tracksEnded = true
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
            tasks.addTask { await self.timer.run() }
            tasks.addTask { await self.measureLag() }
            for item in pending { tasks.addTask { await self.effects.perform(item) } }
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
                timer.update(decided.touched, from: store.deadlines)
                for item in decided.work { tasks.addTask { await self.effects.perform(item) } }
                metrics.count("pm_processor_facts_total", by: Double(batch.count))
                countEnded(&store)
                metrics.recordCall(peer: "log", method: "process", resource: "batch", outcome: "ok", since: started)
                if ContinuousClock.now - lastEviction > .seconds(1) {
                    lastEviction = ContinuousClock.now
                    let evicted = store.evict(endedBefore: clock.now.adding(milliseconds: -settings.finishedRetentionMilliseconds))
                    board.forget(transfers: evicted.filter { $0.kind == .outbound }.map(\.id),
                                 requestsToPay: evicted.filter { $0.kind == .requestToPay }.map(\.id))
                    timer.update(evicted, from: [:])
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
                logger.warning("a fact cannot be read; it goes to the dead letters", metadata: ["position": "\(record.position)", "error": "\(error)"])
                records.append(deadLetter(record, reason: "\(error)", now: now))
                metrics.count("pm_dead_letters_total")
                continue
            }
            if store.decidedFacts.contains(envelope.id) { continue }
            // The decision continues the trace the fact carries (when tracing is on); its effects continue it further.
            let (routed, trace) = withSpan("decide \(envelope.type)", context: TraceContext.extract(record.headers)) { _ in
                (router.route(fact, factId: envelope.id, now: envelope.occurredAt, store: &store), ServiceContext.current ?? .topLevel)
            }
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
                records.append(effects.factRecord(.hubMessageRejected(method: message.method, path: message.path, source: message.source,
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
                    payload: effects.encoded(event.wireName) { try event.payload })
                records.append(eventEnvelope.record(topic: settings.topics.transfers))
                touched.insert(ref)
                if ref.kind == .outbound { touchedOutbound.insert(ref.id) }
                for effect in router.effects(of: event, store: store) {
                    work.append(Work(effect: effect, causation: eventEnvelope.id, correlation: eventEnvelope.correlationID,
                                     since: store.firstEvent(of: ref) ?? now, context: trace))
                }
            }
            for reply in routed.replies { work.append(Work(effect: reply, causation: envelope.id, correlation: envelope.correlationID, context: trace)) }
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
        timer.reset(store.deadlines)
    }

    // MARK: - Recovery

    var recoverer: Recoverer {
        Recoverer(log: log, topics: settings.topics, group: settings.group, router: router, marginMilliseconds: settings.recoveryMarginMilliseconds,
                  logger: logger)
    }

    /// Records a recovery checkpoint; a failure costs a longer restart, nothing else.
    func writeCheckpoint(_ store: AggregateStore) async {
        do { try await recoverer.writeCheckpoint(store, inFlightSince: effects.oldestInFlight, now: clock.now) } catch {
            logger.warning("cannot record a recovery checkpoint; a restart reads more of the log", metadata: ["error": "\(error)"])
        }
    }

    func recover() async throws -> (AggregateStore, [Work]) {
        let (store, work, recovered) = try await recoverer.recover()
        recovery.withLock { $0 = recovered }
        return (store, work)
    }

    // MARK: - Metrics

    /// Counts the transfers that ended in this batch by side and final state (`pm_transfers_total`), and observes how
    /// long each took from its first event (`pm_transfer_duration_seconds`).
    func countEnded(_ store: inout AggregateStore) {
        for (ref, started, at) in store.drainEnded() {
            let side: String
            let state: String
            switch ref.kind {
            case .outbound:
                guard let transfer = store.outbound[ref.id] else { continue }
                side = "payer"
                state = transfer.phase.rawValue
            case .inbound:
                guard let transfer = store.inbound[ref.id] else { continue }
                side = "payee"
                state = transfer.phase.rawValue
            default:
                continue
            }
            metrics.count("pm_transfers_total", labels: ["side": side, "state": state])
            if let started {
                metrics.observe("pm_transfer_duration_seconds", labels: ["side": side], seconds: Double(at.millisecondsSinceEpoch - started.millisecondsSinceEpoch) / 1000)
            }
        }
    }

    // MARK: - Lag

    /// The processor group's lag on the fact topics, as a gauge, every second of a term.
    func measureLag() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            do {
                let lag = try await log.groupLag(settings.group)
                metrics.gauge("pm_log_consumer_lag", labels: ["group": settings.group], Double(lag.reduce(0) { $0 + $1.lag }))
            } catch {
                logger.debug("cannot measure the processor's lag", metadata: ["error": "\(error)"])
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
