import CSQLite
import Foundation
import Synchronization

/// Settings of the embedded log.
public struct SQLiteLogConfiguration: Sendable {
    /// How hard SQLite pushes each transaction to disk.
    public enum Durability: String, Sendable {
        /// `synchronous=FULL`: an acknowledged append survives a process crash and a power loss.
        case full
        /// `synchronous=NORMAL`: survives a process crash; the last transactions may be lost on power loss.
        case normal
    }

    /// The database file (created if missing), e.g. `data/pm-log.sqlite`.
    public var path: String
    public var durability: Durability
    /// How long a rebalance waits for a leaving member to commit what it was handed.
    public var sessionTimeoutMilliseconds: Int
    /// The most records one ``LogConsumer/nextBatch()`` returns.
    public var maximumBatch: Int
    /// How often retention runs (it also runs on ``SQLiteEventLog/enforceRetention()``).
    public var retentionIntervalMilliseconds: Int64
    /// How many bytes of each partition's latest records stay in memory for consumers that keep up
    /// (0: every read is a query).
    public var recentBytesPerPartition = 262_144
    /// The clock stamping appended records, in milliseconds since the Unix epoch.
    public var now: @Sendable () -> Int64

    public init(path: String, durability: Durability = .full, sessionTimeoutMilliseconds: Int = 10_000,
                maximumBatch: Int = 1000, retentionIntervalMilliseconds: Int64 = 60_000,
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.path = path
        self.durability = durability
        self.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
        self.maximumBatch = maximumBatch
        self.retentionIntervalMilliseconds = retentionIntervalMilliseconds
        self.now = now
    }
}

/// The embedded log: one SQLite file in WAL mode holding topics, partitions, records and the consumer
/// groups' offsets. One process; nothing else to install.
///
/// Appends from any number of tasks are grouped: whatever is pending when the writer becomes free is
/// written in one transaction, then every waiting append is answered, so the cost of a commit is shared.
/// Consumers read through their own connections (WAL readers never block the writer) and are woken the
/// moment a transaction commits.
public final class SQLiteEventLog: EventLog {
    let configuration: SQLiteLogConfiguration
    let writer: SQLiteConnection
    let notifier = LogNotifier()
    private let topics = Mutex<TopicCatalog>(TopicCatalog())
    private let pending = Mutex<PendingWork>(PendingWork())
    private let coordinators = Mutex<[String: GroupCoordinator]>([:])
    private let reader: SQLiteConnection
    /// The latest committed records of each partition, for consumers that keep up.
    let recent: Mutex<RecentRecords>

    /// The SQL creating the records table and its index in a new log file (for baselines of the same layout).
    public static var recordsSchema: String { RecordsLayout.appendOrderSchema }

    /// Opens (or creates) the log file. A new file is readable and writable by its owner only, and so are the WAL and
    /// shared-memory files SQLite makes beside it (they take the database file's permissions): the log holds every
    /// message of every payment.
    public init(configuration: SQLiteLogConfiguration) throws(LogError) {
        self.configuration = configuration
        recent = Mutex(RecentRecords(maximumBytes: configuration.recentBytesPerPartition))
        if configuration.path != ":memory:", !FileManager.default.fileExists(atPath: configuration.path),
           !FileManager.default.createFile(atPath: configuration.path, contents: nil, attributes: [.posixPermissions: 0o600]) {
            throw LogError(.unavailable, "cannot create the SQLite log '\(configuration.path)'")
        }
        writer = try SQLiteConnection(path: configuration.path, label: "pm.log.sqlite.writer")
        try writer.runSynchronously { connection throws(LogError) in
            try connection.execute("""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=\(configuration.durability == .full ? "FULL" : "NORMAL");
                PRAGMA wal_autocheckpoint=4000;
                PRAGMA journal_size_limit=67108864;
                CREATE TABLE IF NOT EXISTS topics(
                    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, partitions INTEGER NOT NULL,
                    retention_ms INTEGER, retention_bytes INTEGER);
                CREATE TABLE IF NOT EXISTS partitions(
                    topic_id INTEGER NOT NULL, partition INTEGER NOT NULL, start_offset INTEGER NOT NULL,
                    next_offset INTEGER NOT NULL, bytes INTEGER NOT NULL,
                    PRIMARY KEY(topic_id, partition)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS group_offsets(
                    grp TEXT NOT NULL, topic_id INTEGER NOT NULL, partition INTEGER NOT NULL,
                    next_offset INTEGER NOT NULL, PRIMARY KEY(grp, topic_id, partition)) WITHOUT ROWID;
                """)
            try RecordsLayout.prepare(connection)
        }
        reader = try SQLiteConnection(path: configuration.path, label: "pm.log.sqlite.reader")
        let catalog = try writer.runSynchronously { connection throws(LogError) in try TopicCatalog.load(connection) }
        topics.withLock { $0 = catalog }
        startRecentRuns(catalog)
    }

    /// Every partition's run of recent records starts at its end: what is appended from now on is in memory.
    private func startRecentRuns(_ catalog: TopicCatalog) {
        recent.withLock { recent in
            for (key, next) in catalog.nextOffsets { recent.start(key, at: next) }
        }
    }

    // MARK: Topics

    public func ensureTopic(_ spec: TopicSpec) async throws(LogError) {
        guard !spec.name.isEmpty else { throw LogError(.invalidArgument, "a topic needs a name") }
        guard spec.partitions >= 1, spec.partitions <= 10_000 else { throw LogError(.invalidArgument, "partitions must be 1 to 10000") }
        if topics.withLock({ $0.byName[spec.name] }) != nil { return }
        let catalog = try await writer.run { connection throws(LogError) in
            try connection.execute("BEGIN IMMEDIATE")
            do throws(LogError) {
                let insert = try connection.statement("INSERT OR IGNORE INTO topics(name, partitions, retention_ms, retention_bytes) VALUES(?, ?, ?, ?)")
                insert.bind(1, spec.name)
                insert.bind(2, Int64(spec.partitions))
                insert.bind(3, spec.retentionMilliseconds)
                insert.bind(4, spec.retentionBytes)
                try insert.run()
                let select = try connection.statement("SELECT id, partitions FROM topics WHERE name = ?")
                select.bind(1, spec.name)
                guard try select.step() else { throw LogError(.backend, "topic '\(spec.name)' vanished") }
                let id = select.int64(0)
                let partitions = select.int64(1)
                for partition in 0..<partitions {
                    let row = try connection.statement("INSERT OR IGNORE INTO partitions(topic_id, partition, start_offset, next_offset, bytes) VALUES(?, ?, 0, 0, 0)")
                    row.bind(1, id)
                    row.bind(2, partition)
                    try row.run()
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
            return try TopicCatalog.load(connection)
        }
        topics.withLock { $0 = catalog }
        startRecentRuns(catalog)
    }

    func topic(_ name: String) throws(LogError) -> TopicCatalog.Topic {
        guard let topic = topics.withLock({ $0.byName[name] }) else {
            throw LogError(.unknownTopic, "no topic '\(name)' in the log (create it with ensureTopic)")
        }
        return topic
    }

    func topic(id: Int64) -> TopicCatalog.Topic? { topics.withLock { $0.byID[id] } }

    /// The offset the next record of this partition will get.
    func endOffset(of partition: TopicPartition) -> Int64 {
        topics.withLock { catalog in
            guard let topic = catalog.byName[partition.topic] else { return 0 }
            return catalog.nextOffsets[PartitionKey(topicID: topic.id, partition: partition.partition)] ?? 0
        }
    }

    // MARK: Appending and committing (group commit on the writer)

    public func append(_ records: [ProducerRecord]) async throws(LogError) -> [RecordPosition] {
        guard !records.isEmpty else { return [] }
        let rows = try rows(records)
        let result: Result<[RecordPosition], LogError> = await withCheckedContinuation { continuation in
            submit(.append(rows, continuation))
        }
        return try result.get()
    }

    private func rows(_ records: [ProducerRecord]) throws(LogError) -> [PendingWork.Row] {
        var rows: [PendingWork.Row] = []
        rows.reserveCapacity(records.count)
        for record in records {
            let topic = try topic(record.topic)
            rows.append(PendingWork.Row(topicID: topic.id, topic: topic.name,
                                        partition: Partitioner.partition(for: record.key, partitions: topic.partitions),
                                        key: record.key, headers: HeaderCodec.encode(record.headers), headerList: record.headers,
                                        value: record.value))
        }
        return rows
    }

    /// Appends records and stores a group's next offsets in one transaction: both are durable, or neither.
    func appendAndCommit(_ records: [ProducerRecord], group: String, _ offsets: [(topicID: Int64, partition: Int32, next: Int64)]) async throws(LogError) -> [RecordPosition] {
        let rows = try rows(records)
        let result: Result<[RecordPosition], LogError> = await withCheckedContinuation { continuation in
            submit(.appendAndCommit(rows, group, offsets, continuation))
        }
        return try result.get()
    }

    /// Stores a group's next offsets (through the same grouped transactions as appends).
    func commitOffsets(group: String, _ offsets: [(topicID: Int64, partition: Int32, next: Int64)]) async throws(LogError) {
        let result: Result<[RecordPosition], LogError> = await withCheckedContinuation { continuation in
            submit(.commit(group, offsets, continuation))
        }
        _ = try result.get()
    }

    private func submit(_ item: PendingWork.Item) {
        let startDrain = pending.withLock { work -> Bool? in
            if work.closed { return nil }
            work.items.append(item)
            if work.draining { return false }
            work.draining = true
            return true
        }
        switch startDrain {
        case nil: item.fail(LogError(.closed, "the log is shut down"))
        case true?: writer.queueDrain { [self] connection in drain(connection) }
        case false?: break
        }
    }

    /// Writes everything pending in one transaction, answers it, and repeats while more arrived.
    private func drain(_ connection: SQLiteConnection) {
        while true {
            let items = pending.withLock { work -> [PendingWork.Item] in
                let taken = work.items
                work.items.removeAll(keepingCapacity: true)
                if taken.isEmpty { work.draining = false }
                return taken
            }
            if items.isEmpty { return }
            let outcome = write(items, connection)
            switch outcome {
            case let .success(positions):
                for (item, result) in zip(items, positions) { item.succeed(result) }
                notifier.bump()
            case let .failure(error):
                for item in items { item.fail(error) }
            }
            maybeEnforceRetention(connection)
        }
    }

    private func write(_ items: [PendingWork.Item], _ connection: SQLiteConnection) -> Result<[[RecordPosition]], LogError> {
        let now = configuration.now()
        var next = topics.withLock { $0.nextOffsets }
        var bytesAdded: [PartitionKey: Int64] = [:]
        do throws(LogError) {
            try connection.execute("BEGIN IMMEDIATE")
            let insert = try connection.statement("INSERT INTO records(topic_id, partition, offset, ts, key, headers, value) VALUES(?, ?, ?, ?, ?, ?, ?)")
            var answers: [[RecordPosition]] = []
            answers.reserveCapacity(items.count)
            for item in items {
                switch item {
                case let .append(rows, _), let .appendAndCommit(rows, _, _, _):
                    var positions: [RecordPosition] = []
                    positions.reserveCapacity(rows.count)
                    for row in rows {
                        let key = PartitionKey(topicID: row.topicID, partition: row.partition)
                        let offset = next[key] ?? 0
                        try Self.insert(insert, row: row, offset: offset, timestamp: now)
                        next[key] = offset + 1
                        bytesAdded[key, default: 0] += Int64(row.key.count + row.headers.count + row.value.count)
                        positions.append(RecordPosition(topic: row.topic, partition: row.partition, offset: offset))
                    }
                    if case let .appendAndCommit(_, group, offsets, _) = item {
                        try Self.storeOffsets(group, offsets, connection)
                    }
                    answers.append(positions)
                case let .commit(group, offsets, _):
                    try Self.storeOffsets(group, offsets, connection)
                    answers.append([])
                }
            }
            let update = "UPDATE partitions SET next_offset = ?, bytes = bytes + ? WHERE topic_id = ? AND partition = ?"
            for (key, bytes) in bytesAdded {
                let statement = try connection.statement(update)
                statement.bind(1, next[key] ?? 0)
                statement.bind(2, bytes)
                statement.bind(3, key.topicID)
                statement.bind(4, Int64(key.partition))
                try statement.run()
            }
            try connection.execute("COMMIT")
            topics.withLock { catalog in
                for (key, _) in bytesAdded { catalog.nextOffsets[key] = next[key] }
            }
            // Committed: consumers that keep up get these from memory (they are woken after this).
            recent.withLock { recent in
                for (item, positions) in zip(items, answers) {
                    for (row, position) in zip(item.rows, positions) {
                        recent.committed(ConsumerRecord(topic: row.topic, partition: row.partition, offset: position.offset, key: row.key,
                                                        headers: row.headerList, value: row.value, timestamp: now),
                                         key: PartitionKey(topicID: row.topicID, partition: row.partition))
                    }
                }
            }
            return .success(answers)
        } catch {
            try? connection.execute("ROLLBACK")
            return .failure(error)
        }
    }

    private static func storeOffsets(_ group: String, _ offsets: [(topicID: Int64, partition: Int32, next: Int64)],
                                     _ connection: SQLiteConnection) throws(LogError) {
        for offset in offsets {
            let statement = try connection.statement(Self.upsertOffset)
            statement.bind(1, group)
            statement.bind(2, offset.topicID)
            statement.bind(3, Int64(offset.partition))
            statement.bind(4, offset.next)
            try statement.run()
        }
    }

    private static let upsertOffset = """
        INSERT INTO group_offsets(grp, topic_id, partition, next_offset) VALUES(?, ?, ?, ?)
        ON CONFLICT(grp, topic_id, partition) DO UPDATE SET next_offset = excluded.next_offset
        """

    private static func insert(_ statement: SQLiteConnection.Statement, row: PendingWork.Row, offset: Int64, timestamp: Int64) throws(LogError) {
        statement.bind(1, row.topicID)
        statement.bind(2, Int64(row.partition))
        statement.bind(3, offset)
        statement.bind(4, timestamp)
        // The blobs are bound without copying: they stay alive and unchanged until the step returns.
        let status = row.key.withUnsafeBytes { key in
            row.headers.withUnsafeBytes { headers in
                row.value.withUnsafeBytes { value in
                    let empty = UnsafeRawPointer(bitPattern: 1)
                    sqlite3_bind_blob(statement.handle, 5, key.baseAddress ?? empty, Int32(key.count), nil)
                    sqlite3_bind_blob(statement.handle, 6, headers.baseAddress ?? empty, Int32(headers.count), nil)
                    sqlite3_bind_blob(statement.handle, 7, value.baseAddress ?? empty, Int32(value.count), nil)
                    return sqlite3_step(statement.handle)
                }
            }
        }
        sqlite3_reset(statement.handle)
        guard status == SQLITE_DONE else { throw statement.connection.error("insert", status) }
    }

    // MARK: Consumers

    public func consumer(_ subscription: Subscription) async throws(LogError) -> LogConsumer {
        guard !subscription.topics.isEmpty else { throw LogError(.invalidArgument, "a subscription needs at least one topic") }
        var partitions: [TopicPartition] = []
        for name in subscription.topics {
            let topic = try topic(name)
            partitions += (0..<topic.partitions).map { TopicPartition(topic: name, partition: $0) }
        }
        let coordinator = coordinators.withLock { all -> GroupCoordinator in
            if let existing = all[subscription.group] { return existing }
            let created = GroupCoordinator(group: subscription.group, timeoutMilliseconds: configuration.sessionTimeoutMilliseconds)
            all[subscription.group] = created
            return created
        }
        let connection = try SQLiteConnection(path: configuration.path, label: "pm.log.sqlite.consumer.\(subscription.group)")
        let member = SQLiteConsumerBackend(log: self, subscription: subscription, partitions: Set(partitions),
                                           connection: connection, coordinator: coordinator)
        await coordinator.join(member)
        return LogConsumer(subscription: subscription, backend: member)
    }

    /// The group's committed next offset for each partition it committed on.
    func committedOffsets(group: String, connection: SQLiteConnection) throws(LogError) -> [TopicPartition: Int64] {
        let statement = try connection.statement("SELECT topic_id, partition, next_offset FROM group_offsets WHERE grp = ?")
        statement.bind(1, group)
        var result: [TopicPartition: Int64] = [:]
        while try statement.step() {
            guard let topic = topic(id: statement.int64(0)) else { continue }
            result[TopicPartition(topic: topic.name, partition: Int32(statement.int64(1)))] = statement.int64(2)
        }
        return result
    }

    // MARK: Reading, describing

    public func read(_ request: ReadRequest) async throws(LogError) -> [ConsumerRecord] {
        guard request.limit >= 1 else { throw LogError(.invalidArgument, "limit must be at least 1") }
        let topic = try topic(request.topic)
        if let partition = request.partition, !(0..<topic.partitions).contains(partition) {
            throw LogError(.invalidArgument, "topic '\(topic.name)' has no partition \(partition)")
        }
        let partitions = request.partition.map { [$0] } ?? Array(0..<topic.partitions)
        return try await reader.run { connection throws(LogError) in
            var records: [ConsumerRecord] = []
            for partition in partitions where records.count < request.limit {
                let remaining = Int64(request.limit - records.count)
                let statement: SQLiteConnection.Statement
                switch request.start {
                case .beginning:
                    statement = try connection.statement("SELECT offset, ts, key, headers, value FROM records WHERE topic_id = ? AND partition = ? ORDER BY offset LIMIT ?")
                    statement.bind(3, remaining)
                case let .offset(offset):
                    statement = try connection.statement("SELECT offset, ts, key, headers, value FROM records WHERE topic_id = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?")
                    statement.bind(3, offset)
                    statement.bind(4, remaining)
                case let .time(milliseconds):
                    let first = try Self.firstOffset(at: milliseconds, topic: topic.id, partition: partition, connection)
                    statement = try connection.statement("SELECT offset, ts, key, headers, value FROM records WHERE topic_id = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?")
                    statement.bind(3, first)
                    statement.bind(4, remaining)
                }
                statement.bind(1, topic.id)
                statement.bind(2, Int64(partition))
                while try statement.step() {
                    records.append(Self.record(statement, topic: topic.name, partition: partition))
                }
            }
            return records
        }
    }

    /// The offset of the first record appended at or after `milliseconds`, found by bisection over the
    /// partition's offsets (which have no gaps): a few point lookups instead of a scan, because appends
    /// stamp their records with the appender's clock, so timestamps grow with offsets (a clock set back
    /// makes the answer approximate, never wrong by more than that step). The end offset when none is.
    static func firstOffset(at milliseconds: Int64, topic: Int64, partition: Int32, _ connection: SQLiteConnection) throws(LogError) -> Int64 {
        let bounds = try connection.statement("SELECT start_offset, next_offset FROM partitions WHERE topic_id = ? AND partition = ?")
        bounds.bind(1, topic)
        bounds.bind(2, Int64(partition))
        guard try bounds.step() else { return 0 }
        var low = bounds.int64(0), high = bounds.int64(1)
        while low < high {
            let middle = low + (high - low) / 2
            let stamp = try connection.statement("SELECT ts FROM records WHERE topic_id = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT 1")
            stamp.bind(1, topic)
            stamp.bind(2, Int64(partition))
            stamp.bind(3, middle)
            let found = try stamp.step() ? stamp.int64(0) : Int64.max
            if found >= milliseconds { high = middle } else { low = middle + 1 }
        }
        return low
    }

    static func record(_ statement: SQLiteConnection.Statement, topic: String, partition: Int32) -> ConsumerRecord {
        ConsumerRecord(topic: topic, partition: partition, offset: statement.int64(0), key: statement.blob(2),
                       headers: HeaderCodec.decode(statement.blob(3)), value: statement.blob(4), timestamp: statement.int64(1))
    }

    public func describeTopics() async throws(LogError) -> [TopicDescription] {
        try await reader.run { connection throws(LogError) in
            let statement = try connection.statement("""
                SELECT t.name, p.partition, p.start_offset, p.next_offset FROM topics t
                JOIN partitions p ON p.topic_id = t.id ORDER BY t.name, p.partition
                """)
            var result: [TopicDescription] = []
            while try statement.step() {
                let name = statement.text(0)
                let description = PartitionDescription(partition: Int32(statement.int64(1)), startOffset: statement.int64(2), endOffset: statement.int64(3))
                if result.last?.name == name { result[result.count - 1].partitions.append(description) } else {
                    result.append(TopicDescription(name: name, partitions: [description]))
                }
            }
            return result
        }
    }

    public func groupLag(_ group: String) async throws(LogError) -> [PartitionLag] {
        try await reader.run { connection throws(LogError) in
            let statement = try connection.statement("""
                SELECT t.name, g.partition, g.next_offset, p.next_offset FROM group_offsets g
                JOIN topics t ON t.id = g.topic_id
                JOIN partitions p ON p.topic_id = g.topic_id AND p.partition = g.partition
                WHERE g.grp = ? ORDER BY t.name, g.partition
                """)
            statement.bind(1, group)
            var result: [PartitionLag] = []
            while try statement.step() {
                result.append(PartitionLag(group: group, topic: statement.text(0), partition: Int32(statement.int64(1)),
                                           committedOffset: statement.int64(2), endOffset: statement.int64(3)))
            }
            return result
        }
    }

    // MARK: Retention

    private let lastRetention = Mutex<Int64>(0)

    private func maybeEnforceRetention(_ connection: SQLiteConnection) {
        let now = configuration.now()
        let due = lastRetention.withLock { last -> Bool in
            guard now - last >= configuration.retentionIntervalMilliseconds else { return false }
            last = now
            return true
        }
        if due { try? enforceRetention(connection, now: now) }
    }

    /// Deletes what the topics' retention settings no longer keep; returns the number of records deleted.
    @discardableResult
    public func enforceRetention() async throws(LogError) -> Int {
        let now = configuration.now()
        return try await writer.run { [self] connection throws(LogError) in try enforceRetention(connection, now: now) }
    }

    private func enforceRetention(_ connection: SQLiteConnection, now: Int64) throws(LogError) -> Int {
        let retained = topics.withLock { catalog in catalog.byID.values.filter { $0.retentionMilliseconds != nil || $0.retentionBytes != nil } }
        var deleted = 0
        for topic in retained {
            for partition in 0..<topic.partitions {
                let state = try connection.statement("SELECT start_offset, next_offset, bytes FROM partitions WHERE topic_id = ? AND partition = ?")
                state.bind(1, topic.id)
                state.bind(2, Int64(partition))
                guard try state.step() else { continue }
                let start = state.int64(0), end = state.int64(1)
                var bytes = state.int64(2)
                var newStart = start
                if let age = topic.retentionMilliseconds {
                    let first = try connection.statement("SELECT min(offset) FROM records WHERE topic_id = ? AND partition = ? AND ts >= ?")
                    first.bind(1, topic.id)
                    first.bind(2, Int64(partition))
                    first.bind(3, now - age)
                    newStart = (try first.step() ? first.optionalInt64(0) : nil) ?? end
                }
                if let limit = topic.retentionBytes {
                    let sizes = try connection.statement("SELECT offset, length(key) + length(headers) + length(value) FROM records WHERE topic_id = ? AND partition = ? AND offset >= ? ORDER BY offset")
                    sizes.bind(1, topic.id)
                    sizes.bind(2, Int64(partition))
                    sizes.bind(3, start)
                    var remaining = bytes
                    var cut = start
                    while try sizes.step() {
                        let offset = sizes.int64(0)
                        if offset >= newStart && remaining <= limit { break }
                        remaining -= sizes.int64(1)
                        cut = offset + 1
                    }
                    newStart = max(newStart, cut)
                }
                guard newStart > start else { continue }
                try connection.execute("BEGIN IMMEDIATE")
                do throws(LogError) {
                    let measure = try connection.statement("SELECT coalesce(sum(length(key) + length(headers) + length(value)), 0), count(*) FROM records WHERE topic_id = ? AND partition = ? AND offset < ?")
                    measure.bind(1, topic.id)
                    measure.bind(2, Int64(partition))
                    measure.bind(3, newStart)
                    _ = try measure.step()
                    let removedBytes = measure.int64(0)
                    deleted += Int(measure.int64(1))
                    let delete = try connection.statement("DELETE FROM records WHERE topic_id = ? AND partition = ? AND offset < ?")
                    delete.bind(1, topic.id)
                    delete.bind(2, Int64(partition))
                    delete.bind(3, newStart)
                    try delete.run()
                    bytes -= removedBytes
                    let update = try connection.statement("UPDATE partitions SET start_offset = ?, bytes = ? WHERE topic_id = ? AND partition = ?")
                    update.bind(1, newStart)
                    update.bind(2, bytes)
                    update.bind(3, topic.id)
                    update.bind(4, Int64(partition))
                    try update.run()
                    try connection.execute("COMMIT")
                    recent.withLock { $0.removeBefore(newStart, key: PartitionKey(topicID: topic.id, partition: partition)) }
                } catch {
                    try? connection.execute("ROLLBACK")
                    throw error
                }
            }
        }
        return deleted
    }

    // MARK: Shutdown

    public func shutdown() async {
        // Nothing new is accepted; items already queued are written by the running drain.
        pending.withLock { $0.closed = true }
        // Wait for the writer to finish what it had, then checkpoint the WAL.
        _ = try? await writer.run { connection throws(LogError) in try connection.execute("PRAGMA wal_checkpoint(PASSIVE)") }
        let members = coordinators.withLock { Array($0.values) }
        for coordinator in members { await coordinator.closeAll() }
        notifier.bump()
    }
}

/// A topic-partition by the topic's numeric id, as the SQLite tables key it.
struct PartitionKey: Hashable, Sendable {
    var topicID: Int64
    var partition: Int32
}

/// The topics known to the log and the next offset of every partition (the writer's truth, loaded at
/// open and advanced after each committed transaction).
struct TopicCatalog: Sendable {
    struct Topic: Sendable, Hashable {
        var id: Int64
        var name: String
        var partitions: Int32
        var retentionMilliseconds: Int64?
        var retentionBytes: Int64?
    }

    var byName: [String: Topic] = [:]
    var byID: [Int64: Topic] = [:]
    var nextOffsets: [PartitionKey: Int64] = [:]

    static func load(_ connection: SQLiteConnection) throws(LogError) -> TopicCatalog {
        var catalog = TopicCatalog()
        let topics = try connection.statement("SELECT id, name, partitions, retention_ms, retention_bytes FROM topics")
        while try topics.step() {
            let topic = Topic(id: topics.int64(0), name: topics.text(1), partitions: Int32(topics.int64(2)),
                              retentionMilliseconds: topics.optionalInt64(3), retentionBytes: topics.optionalInt64(4))
            catalog.byName[topic.name] = topic
            catalog.byID[topic.id] = topic
        }
        let partitions = try connection.statement("SELECT topic_id, partition, next_offset FROM partitions")
        while try partitions.step() {
            catalog.nextOffsets[PartitionKey(topicID: partitions.int64(0), partition: Int32(partitions.int64(1)))] = partitions.int64(2)
        }
        return catalog
    }
}

/// Appends and commits waiting for the writer.
struct PendingWork: Sendable {
    struct Row: Sendable {
        var topicID: Int64
        var topic: String
        var partition: Int32
        var key: [UInt8]
        var headers: [UInt8]
        /// The headers as given (for the records kept in memory).
        var headerList: [LogHeader]
        var value: [UInt8]
    }

    enum Item: Sendable {
        case append([Row], CheckedContinuation<Result<[RecordPosition], LogError>, Never>)
        case commit(String, [(topicID: Int64, partition: Int32, next: Int64)], CheckedContinuation<Result<[RecordPosition], LogError>, Never>)
        case appendAndCommit([Row], String, [(topicID: Int64, partition: Int32, next: Int64)], CheckedContinuation<Result<[RecordPosition], LogError>, Never>)

        var continuation: CheckedContinuation<Result<[RecordPosition], LogError>, Never> {
            switch self {
            case let .append(_, continuation), let .commit(_, _, continuation), let .appendAndCommit(_, _, _, continuation): return continuation
            }
        }

        var rows: [Row] {
            switch self {
            case let .append(rows, _), let .appendAndCommit(rows, _, _, _): return rows
            case .commit: return []
            }
        }

        func succeed(_ positions: [RecordPosition]) { continuation.resume(returning: .success(positions)) }

        func fail(_ error: LogError) { continuation.resume(returning: .failure(error)) }
    }

    var items: [Item] = []
    var draining = false
    var closed = false
}
