/// How the embedded log stores its records.
///
/// Records are rows of a table in the order they were appended (SQLite's rowid), found by their position
/// through an index on (topic, partition, offset). A transaction's records fill the table's last pages one
/// after the other, and a record of up to about 4 KB is stored whole in its page.
///
/// Logs created before this layout keep theirs: the records themselves keyed by (topic, partition, offset)
/// (`WITHOUT ROWID`). It answers the same queries, but every partition's records sit in their own pages,
/// and a record over about 1 KB spills its tail into a page of its own, so a transaction rewrites a page
/// per partition it touches and one per large record (twice the pages written, and a file about twice the
/// size of its records).
enum RecordsLayout: Equatable {
    case appendOrder
    case keyedByPosition

    static let appendOrderSchema = """
        CREATE TABLE records(
            topic_id INTEGER NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
            ts INTEGER NOT NULL, key BLOB NOT NULL, headers BLOB NOT NULL, value BLOB NOT NULL);
        CREATE UNIQUE INDEX records_position ON records(topic_id, partition, offset);
        """

    /// The layout of the records before this one, which a log file created then still has.
    static let keyedByPositionSchema = """
        CREATE TABLE records(
            topic_id INTEGER NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
            ts INTEGER NOT NULL, key BLOB NOT NULL, headers BLOB NOT NULL, value BLOB NOT NULL,
            PRIMARY KEY(topic_id, partition, offset)) WITHOUT ROWID;
        """

    /// The layout of the log's records table, created in the current layout if the file has none.
    @discardableResult
    static func prepare(_ connection: SQLiteConnection) throws(LogError) -> RecordsLayout {
        if let existing = try layout(connection) { return existing }
        try connection.execute("BEGIN IMMEDIATE")
        do throws(LogError) {
            // Another process may have created it meanwhile.
            if try layout(connection) == nil { try connection.execute(appendOrderSchema) }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        return try layout(connection) ?? .appendOrder
    }

    /// The layout of an existing records table, nil when there is none.
    static func layout(_ connection: SQLiteConnection) throws(LogError) -> RecordsLayout? {
        let table = try connection.statement("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'records'")
        guard try table.step() else { return nil }
        let sql = table.text(0).uppercased()
        table.reset()
        return sql.contains("WITHOUT ROWID") ? .keyedByPosition : .appendOrder
    }
}
