import CSQLite
import Foundation

/// One SQLite connection and the serial queue it is used on.
///
/// `@unchecked Sendable` is safe because the handle is touched only inside ``run(_:)`` blocks, which
/// execute one at a time on `queue`; that queue is a dedicated Dispatch queue, so SQLite's blocking
/// calls (disk I/O, fsync) never occupy a thread of Swift's cooperative pool.
package final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private let queue: DispatchQueue
    private var statements: [String: OpaquePointer] = [:]
    package let path: String

    package init(path: String, label: String, readOnly: Bool = false) throws(LogError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw LogError(.unavailable, "cannot open SQLite log '\(path)': \(message)")
        }
        handle = db
        self.path = path
        queue = DispatchQueue(label: label)
        sqlite3_busy_timeout(db, 10_000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Runs `body` on the connection's queue and returns its result.
    package func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws(LogError) -> T) async throws(LogError) -> T {
        let result: Result<T, LogError> = await withCheckedContinuation { continuation in
            queue.async {
                defer { self.resetBusyStatements() }
                do throws(LogError) { continuation.resume(returning: .success(try body(self))) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Schedules `body` on the connection's queue without waiting for it.
    package func queueDrain(_ body: @escaping @Sendable (SQLiteConnection) -> Void) {
        queue.async {
            body(self)
            self.resetBusyStatements()
        }
    }

    /// Runs `body` on the connection's queue and waits for it, from a thread outside the cooperative pool.
    package func runSynchronously<T>(_ body: (SQLiteConnection) throws(LogError) -> T) throws(LogError) -> T {
        let result: Result<T, LogError> = queue.sync {
            defer { resetBusyStatements() }
            do throws(LogError) { return .success(try body(self)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Resets every cached statement that was stepped but not to its end. A statement left that way keeps
    /// its read transaction, and so its snapshot of the WAL, open: no checkpoint could then copy the frames
    /// after it back into the database, and the WAL (with its memory-mapped index) would grow without end.
    private func resetBusyStatements() {
        for statement in statements.values where sqlite3_stmt_busy(statement) != 0 { sqlite3_reset(statement) }
    }

    package func error(_ what: String, _ status: Int32) -> LogError {
        let message = String(cString: sqlite3_errmsg(handle))
        let busy = status & 0xFF == SQLITE_BUSY || status & 0xFF == SQLITE_LOCKED
        return LogError(busy ? .unavailable : .backend, "\(what): \(message) (\(status))", retryable: busy)
    }

    /// Rows changed by the last statement that changed rows.
    package var changes: Int { Int(sqlite3_changes(handle)) }

    /// Executes SQL text without results (may hold several statements).
    package func execute(_ sql: String) throws(LogError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        guard status == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(errorMessage)
            throw LogError(.backend, "SQLite: \(message) in: \(sql.prefix(80))")
        }
    }

    /// A prepared statement, cached by its SQL text, reset and with bindings cleared.
    package func statement(_ sql: String) throws(LogError) -> Statement {
        if let cached = statements[sql] {
            sqlite3_reset(cached)
            sqlite3_clear_bindings(cached)
            return Statement(handle: cached, connection: self)
        }
        var prepared: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard status == SQLITE_OK, let prepared else { throw error("prepare", status) }
        statements[sql] = prepared
        return Statement(handle: prepared, connection: self)
    }

    /// A bound prepared statement, valid until the next ``statement(_:)`` call with the same SQL.
    package struct Statement {
        let handle: OpaquePointer
        let connection: SQLiteConnection

        package func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }
        package func bind(_ index: Int32, _ value: Int64?) {
            if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
        }
        package func bind(_ index: Int32, _ value: String) { sqlite3_bind_text(handle, index, value, -1, pm_sqlite_transient()) }
        package func bind(_ index: Int32, _ value: String?) {
            if let value { bind(index, value) } else { sqlite3_bind_null(handle, index) }
        }
        package func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(handle, index, value) }
        package func bind(_ index: Int32, _ bytes: [UInt8]) {
            bytes.withUnsafeBytes { buffer in
                // A zero-length blob still needs a non-null pointer to be a blob rather than NULL.
                sqlite3_bind_blob(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buffer.count), pm_sqlite_transient())
            }
        }

        /// Steps once: true when a row is available.
        package func step() throws(LogError) -> Bool {
            let status = sqlite3_step(handle)
            switch status {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            default: throw connection.error("step", status)
            }
        }

        /// Ends the statement's current run (its read of the database) before its next use.
        package func reset() { sqlite3_reset(handle) }

        /// Steps through to the end (for statements without results).
        package func run() throws(LogError) {
            while try step() {}
        }

        package func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
        package func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
        package func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
        package func text(_ column: Int32) -> String {
            guard let pointer = sqlite3_column_text(handle, column) else { return "" }
            return String(cString: pointer)
        }
        package func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
        package func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
        package func blob(_ column: Int32) -> [UInt8] {
            let count = Int(sqlite3_column_bytes(handle, column))
            guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
            return Array(UnsafeRawBufferPointer(start: pointer, count: count))
        }
    }
}
