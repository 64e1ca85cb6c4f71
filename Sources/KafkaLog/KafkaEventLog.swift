import CRdKafka
import Dispatch
import EventLog
import Synchronization

/// The event log on a Kafka cluster, through librdkafka: the same semantics as the embedded SQLite log
/// (see ``EventLog``), shared by every `pm` process of a DFSP.
///
/// - Appends go through one idempotent producer (`acks=all`) whose partitioner (`murmur2_random`) puts a
///   key in the partition ``Partitioner`` computes. Concurrent appends are pipelined into librdkafka's
///   batches; each returns when all of its records are acknowledged.
/// - Each ``consumer(_:)`` is a consumer group member with manual commits. Before it gives partitions up
///   in a rebalance it waits (bounded by the session timeout) until the records it handed out are
///   committed; a commit the broker refuses during the rebalance is retried as soon as the member rejoins,
///   and a member taking partitions over waits out ``KafkaConfiguration/takeoverGraceMilliseconds`` so
///   that retry lands first. So a record is not processed by two members.
/// - Blocking librdkafka calls run on the log's own dispatch queue or threads, never on Swift's
///   cooperative pool.
public final class KafkaEventLog: EventLog {
    /// The configuration the log was made with.
    public let configuration: KafkaConfiguration
    let producer: ProducerCore
    private let blocking: DispatchQueue
    private let consumers = Mutex(ConsumerRegistry())
    /// Topics seen to exist, so appends look each up only once.
    let knownTopics = Mutex<Set<String>>([])
    /// Creates topics where the broker has no CreateTopics (set by ``MockKafkaCluster/makeEventLog(configure:)``).
    let createTopic: (@Sendable (TopicSpec) throws(LogError) -> Void)?

    /// Connects to the cluster (lazily: librdkafka connects in the background).
    /// - Throws: ``LogError/Code/invalidArgument`` for a configuration librdkafka refuses.
    public convenience init(configuration: KafkaConfiguration) throws(LogError) {
        try self.init(configuration: configuration, createTopic: nil)
    }

    init(configuration: KafkaConfiguration, createTopic: (@Sendable (TopicSpec) throws(LogError) -> Void)?) throws(LogError) {
        try configuration.validate()
        self.configuration = configuration
        self.createTopic = createTopic
        producer = try ProducerCore(configuration: configuration)
        blocking = DispatchQueue(label: "pm.kafka.blocking", attributes: .concurrent)
    }

    deinit { producer.requestStop() }

    /// A request timeout for blocking calls: long enough to ride out a broker's restart.
    var requestTimeoutMilliseconds: Int32 { Int32(clamping: max(5000, configuration.sessionTimeoutMilliseconds)) }

    /// Runs blocking work on the log's dispatch queue.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws(LogError) -> T) async throws(LogError) -> T {
        let result: Result<T, LogError> = await withCheckedContinuation { continuation in
            blocking.async { continuation.resume(returning: Result { () throws(LogError) -> T in try work() }) }
        }
        return try result.get()
    }

    // MARK: Appending

    /// Appends records through the idempotent producer and returns their positions, in the order given,
    /// once every one is acknowledged by all in-sync replicas.
    /// - Throws: ``LogError/Code/unknownTopic`` for a topic the cluster does not have (checked once per
    ///   topic); ``LogError/Code/closed`` after shutdown; for a failed delivery, the first failure
    ///   (``LogError/Code/timedOut`` or ``LogError/Code/unavailable``, retryable), after every record's
    ///   report is in: some records may have been stored.
    public func append(_ records: [ProducerRecord]) async throws(LogError) -> [RecordPosition] {
        guard !records.isEmpty else { return [] }
        var topics: Set<String> = []
        var previous: String?
        for record in records where record.topic != previous {
            // Batches mostly name one topic: hash each topic once per run of equal ones.
            guard !record.topic.isEmpty else { throw LogError(.invalidArgument, "a record needs a topic") }
            topics.insert(record.topic)
            previous = record.topic
        }
        let unchecked = knownTopics.withLock { topics.subtracting($0) }
        for topic in unchecked.sorted() {
            let timeout = requestTimeoutMilliseconds
            let exists = try await run { [producer] () throws(LogError) -> Bool in
                try producer.withHandle { client throws(LogError) in try client.partitions(of: topic, timeoutMilliseconds: timeout) != nil }
            }
            guard exists else { throw LogError(.unknownTopic, "no topic '\(topic)' in the Kafka cluster (create it with ensureTopic)") }
            knownTopics.withLock { _ = $0.insert(topic) }
            producer.prepare(topic)
        }
        return try await producer.append(records).get()
    }

    /// Records handed to librdkafka whose delivery reports have not been served yet (for tests and
    /// metrics); 0 once shut down.
    var pendingRecordCount: Int {
        (try? producer.withHandle { client in Int(rd_kafka_outq_len(client.handle)) }) ?? 0
    }

    // MARK: Consumers

    /// Makes a consumer group member subscribed to the topics; it joins the group in the background
    /// (about 3 s on the mock cluster) and starts where the group committed, else at
    /// ``Subscription/startAt`` (`.latest` meaning the end when this call was made).
    /// - Throws: ``LogError/Code/unknownTopic``, ``LogError/Code/invalidArgument``, ``LogError/Code/closed``.
    public func consumer(_ subscription: Subscription) async throws(LogError) -> LogConsumer {
        guard consumers.withLock({ !$0.closed }) else { throw LogError(.closed, "the Kafka log is shut down") }
        let configuration = configuration
        let core = try await run { () throws(LogError) -> ConsumerCore in try ConsumerCore(subscription: subscription, configuration: configuration) }
        let accepted = consumers.withLock { $0.add(core) }
        guard accepted else {
            await core.close()
            throw LogError(.closed, "the Kafka log is shut down")
        }
        return LogConsumer(subscription: subscription, backend: KafkaConsumerBackend(core: core))
    }

    // MARK: Shutdown

    /// Closes every consumer made by this log, flushes the producer (bounded by
    /// ``KafkaConfiguration/shutdownTimeoutMilliseconds``) and destroys it.
    public func shutdown() async {
        let open = consumers.withLock { $0.closeAll() }
        await withTaskGroup(of: Void.self) { group in
            for core in open { group.addTask { await core.close() } }
        }
        await producer.shutdown()
    }
}

/// The consumers a log made, so that shutdown can close them; held weakly (a dropped consumer closes itself).
struct ConsumerRegistry {
    private struct Entry {
        weak var core: ConsumerCore?
    }

    private var entries: [Entry] = []
    private(set) var closed = false

    mutating func add(_ core: ConsumerCore) -> Bool {
        guard !closed else { return false }
        entries.removeAll { $0.core == nil }
        entries.append(Entry(core: core))
        return true
    }

    mutating func closeAll() -> [ConsumerCore] {
        closed = true
        defer { entries = [] }
        return entries.compactMap(\.core)
    }
}
