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
    private var transfers: TransferWriter
    private var operations: OperationWriter

    init(connection: SQLiteConnection, topics: ProjectionTopics) {
        self.connection = connection
        self.topics = topics
        transfers = TransferWriter(connection: connection)
        operations = OperationWriter(connection: connection)
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

    mutating func apply(_ item: DecodedRecord) throws(LogError) {
        let record = item.record
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
        guard let envelope = item.envelope, item.failure == nil else {
            undecodable("\(record.position): \(item.failure ?? "undecodable")")
            return
        }
        applied.applied += 1
        for name in due {
            switch name {
            case .transfers:
                if let event = item.event { try transfers.apply(event, envelope: envelope) }
            case .operations:
                if let event = item.event { try operations.apply(event, envelope: envelope) }
            case .timeline:
                if let kind = item.aggregateKind {
                    try TimelineWriter(connection: connection).insertEvent(envelope, kind: kind, record: record)
                } else {
                    try TimelineWriter(connection: connection).insertFact(envelope, record: record)
                }
            }
        }
    }

    /// Writes what the batch changed that is kept in memory until its end (the transfer and operation rows).
    mutating func finish() throws(LogError) {
        try transfers.flush()
        try operations.flush()
    }

    private mutating func undecodable(_ reason: String) {
        applied.undecodable += 1
        if applied.firstFailure == nil { applied.firstFailure = reason }
    }
}

/// The transfers projection's writes: the rows, kept in memory for the batch (a transfer's events often come
/// together) and written at its end, and the statistics each transfer's end adds to.
struct TransferWriter {
    let connection: SQLiteConnection
    private var rows: [TransferKey: TransferRow?] = [:]
    private var changed: Set<TransferKey> = []

    init(connection: SQLiteConnection) { self.connection = connection }

    struct TransferKey: Hashable {
        var direction: TransferDirection
        var id: String
    }

    mutating func apply(_ event: DomainEvent, envelope: Envelope) throws(LogError) {
        let direction: TransferDirection
        switch event.ref.kind {
        case .outbound: direction = .outbound
        case .inbound: direction = .inbound
        default: return
        }
        let key = TransferKey(direction: direction, id: event.ref.id)
        let before: TransferRow?
        if let cached = rows[key] { before = cached } else {
            before = try TransferRowCodec.load(direction: direction, aggregateId: event.ref.id, connection: connection)
        }
        guard let after = TransferFold.apply(event, sequence: envelope.sequence, occurredAt: envelope.occurredAt, to: before),
              after != before else {
            rows[key] = .some(before)
            return
        }
        rows[key] = .some(after)
        changed.insert(key)
        if let completion = TransferCompletion(before: before, after: after) { try record(completion) }
    }

    mutating func flush() throws(LogError) {
        for key in changed {
            if let row = rows[key] ?? nil { try TransferRowCodec.save(row, connection: connection) }
        }
        rows.removeAll(keepingCapacity: true)
        changed.removeAll(keepingCapacity: true)
    }

    func record(_ completion: TransferCompletion) throws(LogError) {
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

/// The operations projection's writes: the rows, kept in memory for the batch and written at its end.
struct OperationWriter {
    let connection: SQLiteConnection
    private var rows: [AggregateRef: OperationRow?] = [:]
    private var changed: Set<AggregateRef> = []

    init(connection: SQLiteConnection) { self.connection = connection }

    mutating func apply(_ event: DomainEvent, envelope: Envelope) throws(LogError) {
        let ref = event.ref
        guard let kind = OperationKind(aggregateKind: ref.kind) else { return }
        let before: OperationRow?
        if let cached = rows[ref] { before = cached } else { before = try OperationRowCodec.load(kind: kind, id: ref.id, connection: connection) }
        guard let after = OperationFold.apply(event, sequence: envelope.sequence, occurredAt: envelope.occurredAt, to: before), after != before else {
            rows[ref] = .some(before)
            return
        }
        rows[ref] = .some(after)
        changed.insert(ref)
    }

    mutating func flush() throws(LogError) {
        for ref in changed {
            if let row = rows[ref] ?? nil { try OperationRowCodec.save(row, connection: connection) }
        }
        rows.removeAll(keepingCapacity: true)
        changed.removeAll(keepingCapacity: true)
    }
}

/// The timeline projection's writes: every event and fact, as recorded.
struct TimelineWriter {
    let connection: SQLiteConnection

    func insertEvent(_ envelope: Envelope, kind: String, record: ConsumerRecord) throws(LogError) {
        let insert = try connection.statement("""
            INSERT OR IGNORE INTO events(event_id, aggregate_kind, aggregate_id, sequence, type, occurred_at, correlation_id, causation_id,
                topic, partition, offset, envelope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
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
        insert.bind(12, record.value)
        try insert.run()
    }

    func insertFact(_ envelope: Envelope, record: ConsumerRecord) throws(LogError) {
        let insert = try connection.statement("""
            INSERT OR IGNORE INTO facts(event_id, type, key, occurred_at, correlation_id, causation_id, topic, partition, offset, envelope)
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
        insert.bind(10, record.value)
        try insert.run()
    }
}

/// A record decoded once, before the store's transaction: its envelope, and for `pm.transfers` its event.
struct DecodedRecord: Sendable {
    let record: ConsumerRecord
    let envelope: Envelope?
    let event: DomainEvent?
    /// For an event: its aggregate's kind (`outbound`, `party`, ...).
    let aggregateKind: String?
    let failure: String?

    init(_ record: ConsumerRecord, eventsTopic: String) {
        self.record = record
        var envelope: Envelope?
        var event: DomainEvent?
        var failure: String?
        do {
            let decoded = try Envelope(bytes: record.value)
            envelope = decoded
            if record.topic == eventsTopic {
                event = try DomainEvent(wireName: decoded.type, aggregateID: decoded.aggregateID, payload: decoded.payload)
            }
        } catch {
            envelope = nil
            failure = "\(error)"
        }
        self.envelope = envelope
        self.event = event
        aggregateKind = event?.ref.kind.rawValue
        self.failure = failure
    }

    /// Decodes records, in parallel chunks when there are many (decoding is most of a rebuild's work).
    static func decode(_ records: [ConsumerRecord], eventsTopic: String) async -> [DecodedRecord] {
        let chunk = 512
        guard records.count > chunk else { return records.map { DecodedRecord($0, eventsTopic: eventsTopic) } }
        return await withTaskGroup(of: (Int, [DecodedRecord]).self) { group in
            for start in stride(from: 0, to: records.count, by: chunk) {
                let slice = Array(records[start..<min(start + chunk, records.count)])
                group.addTask { (start, slice.map { DecodedRecord($0, eventsTopic: eventsTopic) }) }
            }
            var parts: [(Int, [DecodedRecord])] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }
}
