/// What a backend provides behind a ``LogConsumer``: one member of a consumer group.
///
/// Contract for implementers:
/// - ``nextBatch()`` suspends until at least one record is available and returns records only of
///   partitions currently assigned to this member, each partition in offset order; it returns nil once
///   the consumer is closed, and an empty batch when the calling task is cancelled while it waits. It
///   never blocks a thread of Swift's cooperative pool.
/// - Before a partition is taken away (a rebalance), the backend stops handing out its records and
///   waits, bounded by its session timeout, until every record it already handed out is committed,
///   so that the next owner starts after them and no record is processed by two members.
/// - ``commit(_:)`` stores, per partition, the next offset to read; it returns once the commit is durable.
public protocol ConsumerBackend: Sendable {
    func nextBatch() async throws(LogError) -> [ConsumerRecord]?
    func commit(_ nextOffsets: [TopicPartition: Int64]) async throws(LogError)
    func assignment() async -> Set<TopicPartition>
    func close() async
}

/// A backend that can append records and commit offsets atomically (the embedded log: one transaction).
public protocol AtomicCommitBackend: ConsumerBackend {
    func commit(_ nextOffsets: [TopicPartition: Int64], appending records: [ProducerRecord]) async throws(LogError) -> [RecordPosition]
}

/// One member of a consumer group: an `AsyncSequence` of records in per-partition (so per-key) order.
///
/// Process a record, then commit it (or commit a batch of them); a record not committed when the member
/// stops is delivered again, to this member or to the partition's next owner.
public final class LogConsumer: AsyncSequence, Sendable {
    public typealias Element = ConsumerRecord

    private let backend: any ConsumerBackend
    public let subscription: Subscription

    public init(subscription: Subscription, backend: any ConsumerBackend) {
        self.subscription = subscription
        self.backend = backend
    }

    /// The next records available (at least one), or nil once closed. Faster than iterating one by one.
    public func nextBatch() async throws(LogError) -> [ConsumerRecord]? {
        try await backend.nextBatch()
    }

    /// Marks records as processed: per partition, everything up to and including the highest position.
    public func commit(_ positions: [RecordPosition]) async throws(LogError) {
        var next: [TopicPartition: Int64] = [:]
        for position in positions {
            let partition = TopicPartition(topic: position.topic, partition: position.partition)
            next[partition] = Swift.max(next[partition] ?? 0, position.offset + 1)
        }
        guard !next.isEmpty else { return }
        try await backend.commit(next)
    }

    /// Appends `records` (what processing produced) and marks `positions` as processed, as one step.
    ///
    /// Where the backend can (``AtomicCommitBackend``: the embedded log, in one transaction) both are durable or
    /// neither is: exactly-once processing. Otherwise (Kafka) the records are appended first and the offsets
    /// committed after, so a crash between the two delivers the input again (at least once; a processor
    /// recognises what it already decided).
    public func commit(_ positions: [RecordPosition], appending records: [ProducerRecord], to log: any EventLog) async throws(LogError) -> [RecordPosition] {
        var next: [TopicPartition: Int64] = [:]
        for position in positions {
            let partition = TopicPartition(topic: position.topic, partition: position.partition)
            next[partition] = Swift.max(next[partition] ?? 0, position.offset + 1)
        }
        if let atomic = backend as? any AtomicCommitBackend {
            return try await atomic.commit(next, appending: records)
        }
        let appended = records.isEmpty ? [] : try await log.append(records)
        if !next.isEmpty { try await backend.commit(next) }
        return appended
    }

    /// Marks one record, and everything before it on its partition, as processed.
    public func commit(_ record: ConsumerRecord) async throws(LogError) {
        try await commit([record.position])
    }

    /// The partitions this member owns now.
    public func assignment() async -> Set<TopicPartition> { await backend.assignment() }

    /// Leaves the group; records handed out but not committed are delivered again to the next owner.
    public func close() async { await backend.close() }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let backend: any ConsumerBackend
        var buffer: [ConsumerRecord] = []
        var index = 0

        public mutating func next() async throws -> ConsumerRecord? {
            if index < buffer.count {
                defer { index += 1 }
                return buffer[index]
            }
            guard let batch = try await backend.nextBatch(), !batch.isEmpty else { return nil }
            buffer = batch
            index = 1
            return batch[0]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(backend: backend) }
}
