import EventLog
import FSPIOP
import PMCore
import Processing
import ReadModel

/// Applies one batch of records inside the store's open transaction: decodes each record once, runs the
/// projections that read its topic and have not applied it, and moves their positions past it.
struct BatchWriter {
    let connection: SQLiteConnection
    let topics: ProjectionTopics
    private(set) var applied = ProjectionStore.Applied()
    private var positions: [ProjectionName: [TopicPartition: Int64]] = [:]
    private var moved: Set<ProjectionName> = []

    init(connection: SQLiteConnection, topics: ProjectionTopics) {
        self.connection = connection
        self.topics = topics
    }

    mutating func loadPositions() throws(LogError) {
        let select = try connection.statement("SELECT projection, topic, partition, next_offset FROM positions")
        while try select.step() {
            guard let name = ProjectionName(rawValue: select.text(0)) else { continue }
            positions[name, default: [:]][TopicPartition(topic: select.text(1), partition: Int32(select.int64(2)))] = select.int64(3)
        }
    }

    func savePositions() throws(LogError) {
        let upsert = try connection.statement("""
            INSERT INTO positions(projection, topic, partition, next_offset) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT(projection, topic, partition) DO UPDATE SET next_offset = excluded.next_offset
            """)
        for name in moved.sorted(by: { $0.rawValue < $1.rawValue }) {
            for (partition, next) in positions[name] ?? [:] {
                upsert.reset()
                upsert.bind(1, name.rawValue)
                upsert.bind(2, partition.topic)
                upsert.bind(3, Int64(partition.partition))
                upsert.bind(4, next)
                try upsert.run()
            }
        }
    }

    mutating func apply(_ record: ConsumerRecord) throws(LogError) {
        let due = ProjectionName.allCases.filter { name in
            topics.topics(of: name).contains(record.topic) && record.offset >= (positions[name]?[record.topicPartition] ?? 0)
        }
        guard !due.isEmpty else {
            applied.skipped += 1
            return
        }
        for name in due {
            positions[name, default: [:]][record.topicPartition] = record.offset + 1
            moved.insert(name)
        }
        let envelope: Envelope
        do { envelope = try Envelope(bytes: record.value) } catch {
            undecodable("\(record.position): \(error)")
            return
        }
        var event: DomainEvent?
        if record.topic == topics.events {
            do { event = try DomainEvent(wireName: envelope.type, aggregateID: envelope.aggregateID, payload: envelope.payload) } catch {
                undecodable("\(record.position): \(error)")
                return
            }
        }
        applied.applied += 1
        for name in due {
            switch name {
            case .transfers:
                if let event { try TransferWriter(connection: connection).apply(event, envelope: envelope) }
            case .timeline:
                if let event {
                    try TimelineWriter(connection: connection).insertEvent(envelope, kind: event.ref.kind.rawValue, record: record)
                } else {
                    try TimelineWriter(connection: connection).insertFact(envelope, record: record)
                }
            }
        }
    }

    private mutating func undecodable(_ reason: String) {
        applied.undecodable += 1
        if applied.firstFailure == nil { applied.firstFailure = reason }
    }
}

/// The transfers projection's writes: the row, and the statistics its end adds to.
struct TransferWriter {
    let connection: SQLiteConnection

    func apply(_ event: DomainEvent, envelope: Envelope) throws(LogError) {
        let direction: TransferDirection
        switch event.ref.kind {
        case .outbound: direction = .outbound
        case .inbound: direction = .inbound
        default: return
        }
        let before = try TransferRowCodec.load(direction: direction, aggregateId: event.ref.id, connection: connection)
        guard let after = TransferFold.apply(event, sequence: envelope.sequence, occurredAt: envelope.occurredAt, to: before),
              after != before else { return }
        try TransferRowCodec.save(after, connection: connection)
        if let completion = TransferCompletion(before: before, after: after) { try record(completion) }
    }

    private func record(_ completion: TransferCompletion) throws(LogError) {
        let stats = try connection.statement("""
            INSERT INTO minute_stats(minute, direction, completed, succeeded, duration_sum, duration_max) VALUES (?1, ?2, 1, ?3, ?4, ?4)
            ON CONFLICT(minute, direction) DO UPDATE SET completed = completed + 1, succeeded = succeeded + excluded.succeeded,
                duration_sum = duration_sum + excluded.duration_sum, duration_max = max(duration_max, excluded.duration_max)
            """)
        stats.bind(1, completion.minute)
        stats.bind(2, completion.direction.rawValue)
        stats.bind(3, Int64(completion.succeeded ? 1 : 0))
        stats.bind(4, completion.durationMilliseconds)
        try stats.run()
        let bucket = try connection.statement("""
            INSERT INTO minute_durations(minute, direction, bucket, count) VALUES (?1, ?2, ?3, 1)
            ON CONFLICT(minute, direction, bucket) DO UPDATE SET count = count + 1
            """)
        bucket.bind(1, completion.minute)
        bucket.bind(2, completion.direction.rawValue)
        bucket.bind(3, Int64(DurationBuckets.index(milliseconds: completion.durationMilliseconds)))
        try bucket.run()
        guard completion.succeeded, let currency = completion.currency, let amount = completion.amount else { return }
        let select = try connection.statement("SELECT amount FROM hourly_flow WHERE hour = ?1 AND currency = ?2 AND direction = ?3")
        select.bind(1, completion.hour)
        select.bind(2, currency)
        select.bind(3, completion.direction.rawValue)
        let total = try select.step() ? select.text(0) : "0"
        select.reset()
        let upsert = try connection.statement("""
            INSERT INTO hourly_flow(hour, currency, direction, count, amount) VALUES (?1, ?2, ?3, 1, ?4)
            ON CONFLICT(hour, currency, direction) DO UPDATE SET count = count + 1, amount = excluded.amount
            """)
        upsert.bind(1, completion.hour)
        upsert.bind(2, currency)
        upsert.bind(3, completion.direction.rawValue)
        upsert.bind(4, AmountSum.add(amount, to: total))
        try upsert.run()
    }
}

/// The timeline projection's writes: every event and fact, as recorded.
struct TimelineWriter {
    let connection: SQLiteConnection

    func insertEvent(_ envelope: Envelope, kind: String, record: ConsumerRecord) throws(LogError) {
        let insert = try connection.statement("""
            INSERT OR IGNORE INTO events(event_id, aggregate_kind, aggregate_id, sequence, type, occurred_at, correlation_id, causation_id,
                topic, partition, offset, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
            """)
        insert.bind(1, envelope.id)
        insert.bind(2, kind)
        insert.bind(3, envelope.aggregateID)
        insert.bind(4, envelope.sequence)
        insert.bind(5, envelope.type)
        insert.bind(6, envelope.occurredAt.millisecondsSinceEpoch)
        insert.bind(7, envelope.correlationID)
        insert.bind(8, envelope.causationID)
        insert.bind(9, record.topic)
        insert.bind(10, Int64(record.partition))
        insert.bind(11, record.offset)
        insert.bind(12, CanonicalJSON.insertionOrderBytes(envelope.payload))
        try insert.run()
    }

    func insertFact(_ envelope: Envelope, record: ConsumerRecord) throws(LogError) {
        let insert = try connection.statement("""
            INSERT OR IGNORE INTO facts(event_id, type, key, occurred_at, correlation_id, causation_id, topic, partition, offset, payload)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """)
        insert.bind(1, envelope.id)
        insert.bind(2, envelope.type)
        insert.bind(3, envelope.aggregateID)
        insert.bind(4, envelope.occurredAt.millisecondsSinceEpoch)
        insert.bind(5, envelope.correlationID)
        insert.bind(6, envelope.causationID)
        insert.bind(7, record.topic)
        insert.bind(8, Int64(record.partition))
        insert.bind(9, record.offset)
        insert.bind(10, CanonicalJSON.insertionOrderBytes(envelope.payload))
        try insert.run()
    }
}
