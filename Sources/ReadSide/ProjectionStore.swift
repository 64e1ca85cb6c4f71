import EventLog
import Foundation
import PMCore
import Processing
import ReadModel

/// The read models in their own SQLite file beside the log: the transfers, their statistics, and every fact
/// and event for the timelines.
///
/// Each projection's log positions (the next offset of each partition it reads) are written in the same
/// transaction as the rows a batch of records changed, and a record below its projection's position is
/// skipped. So a batch is applied exactly once, whether the process stops before or after its commit and
/// whatever the consumer group had committed. The file may use `synchronous=NORMAL`: a transaction lost
/// on power loss loses its positions with its rows, and the records are applied again.
public final class ProjectionStore: Sendable {
    public let path: String
    /// A random id made with the file: its consumer group is `pm.projections.<id>`, so that every store (a
    /// copy in another process, a rebuild) reads every partition.
    public let storeID: String
    public let topics: ProjectionTopics
    let writer: SQLiteConnection
    let reader: SQLiteConnection

    /// Opens (or creates, owner-only) the store at `path`. Without `indexed` (a store filled from the log only to be
    /// swapped into a live one), rows are written without the secondary indexes and the text index; they are built when
    /// the store is next opened with them.
    public init(path: String, topics: ProjectionTopics, indexed: Bool = true) throws(LogError) {
        self.path = path
        self.topics = topics
        if path != ":memory:", !FileManager.default.fileExists(atPath: path),
           !FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) {
            throw LogError(.unavailable, "cannot create the projection store '\(path)'")
        }
        writer = try SQLiteConnection(path: path, label: "pm.projections.writer")
        storeID = try writer.runSynchronously { connection throws(LogError) in
            try Self.migrate(connection)
            try connection.execute(Self.schema)
            try Self.prepareIndexes(connection, indexed: indexed)
            let select = try connection.statement("SELECT value FROM store_info WHERE key = 'store_id'")
            if try select.step() { return select.text(0) }
            let id = RandomUUID.make().lowercased()
            let insert = try connection.statement("INSERT INTO store_info(key, value) VALUES ('store_id', ?1)")
            insert.bind(1, id)
            try insert.run()
            return id
        }
        reader = try SQLiteConnection(path: path, label: "pm.projections.reader", readOnly: true)
    }

    /// The layout of the tables this build writes. A store of another layout is emptied when opened (its rows, its
    /// positions, its id and so its consumer group) and filled again from the log: read models are rebuilt, never migrated.
    static let layoutVersion = "2"

    static func migrate(_ connection: SQLiteConnection) throws(LogError) {
        try connection.execute("CREATE TABLE IF NOT EXISTS store_info(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
        let select = try connection.statement("SELECT value FROM store_info WHERE key = 'layout'")
        let found = try select.step() ? select.text(0) : nil
        select.reset()
        if found == layoutVersion { return }
        if found != nil {
            for table in ["positions", "transfers_text", "institutions", "transfers", "minute_stats", "minute_durations", "hourly_flow", "events", "facts", "operations"] {
                try connection.execute("DROP TABLE IF EXISTS \(table)")
            }
            try connection.execute("DELETE FROM store_info")
        }
        let insert = try connection.statement("INSERT INTO store_info(key, value) VALUES ('layout', ?1)")
        insert.bind(1, layoutVersion)
        try insert.run()
    }

    /// Creates the indexes and triggers, first filling the text index and the DFSPs from rows written without them;
    /// or, without `indexed`, marks the store as written without them.
    static func prepareIndexes(_ connection: SQLiteConnection, indexed: Bool) throws(LogError) {
        let select = try connection.statement("SELECT value FROM store_info WHERE key = 'indexes'")
        let state = try select.step() ? select.text(0) : nil
        select.reset()
        guard indexed else {
            if state == nil { try connection.execute("INSERT INTO store_info(key, value) VALUES ('indexes', 'deferred')") }
            return
        }
        if state == "deferred" {
            try connection.execute("""
                BEGIN IMMEDIATE;
                INSERT INTO transfers_text(rowid, id, payer_id_value, payee_id_value)
                    SELECT rowid, coalesce(transfer_id, aggregate_id), payer_id_value, payee_id_value FROM transfers
                    WHERE rowid NOT IN (SELECT rowid FROM transfers_text);
                INSERT INTO institutions(dfsp) SELECT DISTINCT dfsp FROM (SELECT payer_dfsp AS dfsp FROM transfers UNION SELECT payee_dfsp FROM transfers)
                    WHERE dfsp IS NOT NULL AND dfsp NOT IN (SELECT dfsp FROM institutions);
                COMMIT;
                """)
        }
        try connection.execute(indexSchema)
        if state != "built" { try connection.execute("INSERT OR REPLACE INTO store_info(key, value) VALUES ('indexes', 'built')") }
    }

    /// Writes transfer rows as they are, in transactions of 10,000 (benchmarks fill a store this way); with
    /// `statistics`, the per-minute statistics and the hourly flow their ends add to as well.
    package func save(_ rows: [TransferRow], statistics: Bool = false) async throws(LogError) {
        try await writer.run { connection throws(LogError) in
            let transfers = TransferWriter(connection: connection)
            for start in stride(from: 0, to: rows.count, by: 10_000) {
                try connection.execute("BEGIN")
                for row in rows[start..<min(start + 10_000, rows.count)] {
                    try TransferRowCodec.save(row, connection: connection)
                    if statistics, let completion = TransferCompletion(before: nil, after: row) { try transfers.record(completion) }
                }
                try connection.execute("COMMIT")
            }
        }
    }

    /// The consumer group this store reads the log as.
    public var group: String { "pm.projections.\(storeID)" }

    /// The tables (and the text index's table), created with every store.
    static let schema = """
        PRAGMA journal_mode=WAL;
        PRAGMA synchronous=NORMAL;
        PRAGMA journal_size_limit=67108864;
        CREATE TABLE IF NOT EXISTS store_info(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS positions(
            projection TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
            PRIMARY KEY(projection, topic, partition)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS transfers(
            direction TEXT NOT NULL, aggregate_id TEXT NOT NULL, transfer_id TEXT, home_transaction_id TEXT, quote_id TEXT,
            transaction_id TEXT, transaction_request_id TEXT,
            payer_id_type TEXT, payer_id_value TEXT, payer_id_sub_value TEXT, payer_name TEXT, payer_dfsp TEXT,
            payee_id_type TEXT, payee_id_value TEXT, payee_id_sub_value TEXT, payee_name TEXT, payee_dfsp TEXT,
            amount_type TEXT, amount TEXT, amount_value REAL, currency TEXT,
            transfer_amount TEXT, payee_receive_amount TEXT, payee_fsp_fee TEXT, payee_fsp_commission TEXT,
            scenario TEXT, note TEXT, state TEXT NOT NULL, status TEXT NOT NULL,
            initiated_at INTEGER NOT NULL, party_resolved_at INTEGER, quoted_at INTEGER, prepared_at INTEGER, completed_at INTEGER,
            error_code TEXT, error_description TEXT, last_sequence INTEGER NOT NULL,
            PRIMARY KEY(direction, aggregate_id));
        -- Filled by the triggers of indexSchema. Not INSERT OR IGNORE: the statement firing a trigger imposes its own conflict policy.
        CREATE TABLE IF NOT EXISTS institutions(dfsp TEXT PRIMARY KEY) WITHOUT ROWID;
        CREATE VIRTUAL TABLE IF NOT EXISTS transfers_text USING fts5(id, payer_id_value, payee_id_value, tokenize='trigram');
        CREATE TABLE IF NOT EXISTS minute_stats(
            minute INTEGER NOT NULL, direction TEXT NOT NULL, completed INTEGER NOT NULL, succeeded INTEGER NOT NULL,
            duration_sum INTEGER NOT NULL, duration_max INTEGER NOT NULL, PRIMARY KEY(minute, direction)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS minute_durations(
            minute INTEGER NOT NULL, direction TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
            PRIMARY KEY(minute, direction, bucket)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS hourly_flow(
            hour INTEGER NOT NULL, currency TEXT NOT NULL, direction TEXT NOT NULL, count INTEGER NOT NULL, amount TEXT NOT NULL,
            PRIMARY KEY(hour, currency, direction)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS events(
            event_id TEXT PRIMARY KEY, aggregate_kind TEXT NOT NULL, aggregate_id TEXT NOT NULL, sequence INTEGER NOT NULL,
            type TEXT NOT NULL, occurred_at INTEGER NOT NULL, correlation_id TEXT, causation_id TEXT,
            topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL, envelope BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS facts(
            event_id TEXT PRIMARY KEY, type TEXT NOT NULL, key TEXT NOT NULL, occurred_at INTEGER NOT NULL,
            correlation_id TEXT, causation_id TEXT, topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
            envelope BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS operations(
            kind TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, status TEXT NOT NULL, counterparty TEXT,
            party_id_type TEXT, party_id_value TEXT, party_id_sub_value TEXT, party_name TEXT, party_dfsp TEXT,
            amount TEXT, currency TEXT, items INTEGER, reference TEXT, started_at INTEGER NOT NULL, completed_at INTEGER,
            error_code TEXT, error_description TEXT, last_sequence INTEGER NOT NULL,
            PRIMARY KEY(kind, id)) WITHOUT ROWID;
        """

    /// What serves the searches: the secondary indexes, and the triggers that keep the text index and the DFSPs in step with
    /// the transfers. A store being rebuilt is filled without them, and gets them when it is next opened to serve.
    static let indexSchema = """
        -- Each filter's index ends with the page order (initiated_at, aggregate_id): a search finds and orders its
        -- matches in the index alone, and reads only the rows of the page.
        CREATE INDEX IF NOT EXISTS transfers_initiated ON transfers(initiated_at, aggregate_id);
        CREATE INDEX IF NOT EXISTS transfers_transfer_id ON transfers(transfer_id);
        CREATE INDEX IF NOT EXISTS transfers_status ON transfers(status, initiated_at, aggregate_id);
        CREATE INDEX IF NOT EXISTS transfers_direction ON transfers(direction, status, initiated_at, aggregate_id);
        CREATE INDEX IF NOT EXISTS transfers_currency ON transfers(currency, status, initiated_at, aggregate_id);
        CREATE INDEX IF NOT EXISTS transfers_amount ON transfers(amount_value);
        CREATE INDEX IF NOT EXISTS transfers_error ON transfers(error_code, direction, initiated_at, aggregate_id) WHERE error_code IS NOT NULL;
        CREATE INDEX IF NOT EXISTS transfers_payer_dfsp ON transfers(payer_dfsp, direction, initiated_at, aggregate_id);
        CREATE INDEX IF NOT EXISTS transfers_payee_dfsp ON transfers(payee_dfsp, direction, initiated_at, aggregate_id);
        CREATE TRIGGER IF NOT EXISTS transfers_text_inserted AFTER INSERT ON transfers BEGIN
            INSERT INTO transfers_text(rowid, id, payer_id_value, payee_id_value)
            VALUES (new.rowid, coalesce(new.transfer_id, new.aggregate_id), new.payer_id_value, new.payee_id_value);
            INSERT INTO institutions(dfsp) SELECT new.payer_dfsp WHERE new.payer_dfsp IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM institutions WHERE dfsp = new.payer_dfsp);
            INSERT INTO institutions(dfsp) SELECT new.payee_dfsp WHERE new.payee_dfsp IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM institutions WHERE dfsp = new.payee_dfsp);
        END;
        CREATE TRIGGER IF NOT EXISTS transfers_text_deleted AFTER DELETE ON transfers BEGIN
            DELETE FROM transfers_text WHERE rowid = old.rowid;
        END;
        CREATE TRIGGER IF NOT EXISTS transfers_text_updated AFTER UPDATE OF transfer_id, payer_id_value, payee_id_value, payer_dfsp, payee_dfsp
        ON transfers BEGIN
            DELETE FROM transfers_text WHERE rowid = old.rowid;
            INSERT INTO transfers_text(rowid, id, payer_id_value, payee_id_value)
            VALUES (new.rowid, coalesce(new.transfer_id, new.aggregate_id), new.payer_id_value, new.payee_id_value);
            INSERT INTO institutions(dfsp) SELECT new.payer_dfsp WHERE new.payer_dfsp IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM institutions WHERE dfsp = new.payer_dfsp);
            INSERT INTO institutions(dfsp) SELECT new.payee_dfsp WHERE new.payee_dfsp IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM institutions WHERE dfsp = new.payee_dfsp);
        END;
        CREATE INDEX IF NOT EXISTS events_aggregate ON events(aggregate_id, sequence);
        CREATE INDEX IF NOT EXISTS events_occurred ON events(occurred_at);
        CREATE INDEX IF NOT EXISTS facts_causation ON facts(causation_id);
        CREATE INDEX IF NOT EXISTS facts_occurred ON facts(occurred_at);
        CREATE INDEX IF NOT EXISTS operations_started ON operations(started_at);
        CREATE INDEX IF NOT EXISTS operations_kind ON operations(kind, status, started_at);
        """

    /// The tables each projection owns (emptied when it is rebuilt).
    public static func tables(of projection: ProjectionName) -> [String] {
        switch projection {
        // transfers_text follows transfers through its triggers; institutions only grows (a DFSP no row names matches nothing).
        case .transfers: return ["transfers", "minute_stats", "minute_durations", "hourly_flow"]
        case .timeline: return ["events", "facts"]
        case .operations: return ["operations"]
        }
    }

    // MARK: Applying records

    /// What one ``apply(_:)`` did.
    public struct Applied: Sendable, Hashable {
        /// Records folded into at least one projection.
        public var applied = 0
        /// Records every projection had already applied (a delivery after a crash).
        public var skipped = 0
        /// Records whose value is not an event envelope, or whose event could not be decoded: passed over.
        public var undecodable = 0
        /// The first reason a record could not be decoded, for the log.
        public var firstFailure: String?
    }

    /// Folds a batch of records into every projection that reads their topics, in one transaction with the
    /// projections' new positions.
    public func apply(_ records: [ConsumerRecord]) async throws(LogError) -> Applied {
        let topics = topics
        let decoded = await DecodedRecord.decode(records, eventsTopic: topics.events)
        return try await writer.run { connection throws(LogError) in
            try connection.execute("BEGIN IMMEDIATE")
            do throws(LogError) {
                var writer = BatchWriter(connection: connection, topics: topics)
                try writer.loadPositions()
                for item in decoded { try writer.apply(item) }
                try writer.finish()
                try writer.savePositions()
                try connection.execute("COMMIT")
                return writer.applied
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Each projection's next offset per partition.
    public func positions() async throws(LogError) -> [ProjectionName: [TopicPartition: Int64]] {
        try await reader.run { connection throws(LogError) in
            let select = try connection.statement("SELECT projection, topic, partition, next_offset FROM positions")
            var positions: [ProjectionName: [TopicPartition: Int64]] = [:]
            while try select.step() {
                guard let name = ProjectionName(rawValue: select.text(0)) else { continue }
                positions[name, default: [:]][TopicPartition(topic: select.text(1), partition: Int32(select.int64(2)))] = select.int64(3)
            }
            return positions
        }
    }

    /// Rows of each projection's tables.
    public func rowCounts() async throws(LogError) -> [String: Int64] {
        try await reader.run { connection throws(LogError) in
            var counts: [String: Int64] = [:]
            for table in ProjectionName.allCases.flatMap(Self.tables(of:)) {
                let select = try connection.statement("SELECT count(*) FROM \(table)")
                if try select.step() { counts[table] = select.int64(0) }
            }
            return counts
        }
    }

    /// Deletes what is older than `cutoff` (milliseconds since the Unix epoch): transfers initiated before it,
    /// facts and events that occurred before it, statistics of minutes and hours before it. Returns the rows
    /// deleted.
    public func prune(before cutoff: Int64) async throws(LogError) -> Int {
        try await writer.run { connection throws(LogError) in
            var deleted = 0
            for sql in [
                "DELETE FROM transfers WHERE initiated_at < ?1", "DELETE FROM events WHERE occurred_at < ?1",
                "DELETE FROM facts WHERE occurred_at < ?1", "DELETE FROM minute_stats WHERE minute < ?1",
                "DELETE FROM minute_durations WHERE minute < ?1", "DELETE FROM hourly_flow WHERE hour < ?1",
                "DELETE FROM operations WHERE started_at < ?1",
            ] {
                let statement = try connection.statement(sql)
                statement.bind(1, cutoff)
                try statement.run()
                deleted += connection.changes
            }
            return deleted
        }
    }
}
