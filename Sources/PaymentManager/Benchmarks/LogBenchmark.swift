import CSQLite
import EventLog
import Foundation
import Synchronization

/// `pm bench log`: append N events in batches, consume them back in a group, and compare with the
/// fastest the same storage can go, measured in the same run, in alternating rounds (the log's, then the
/// baseline's; the medians are compared, so a noisy moment on a shared machine does not decide it):
/// - SQLite: raw inserts of the same rows, same batch size, same pragmas, through one prepared statement;
/// - Kafka: librdkafka's own producer on the same cluster (``KafkaBaseline``).
public enum LogBenchmark {
    public struct Options: Sendable {
        public var events: Int
        public var payloadBytes: Int
        public var batchSize: Int
        public var appenders: Int
        public var partitions: Int32
        /// Alternating rounds of the log's appends and the baseline's; each round appends `events` to its own topic.
        public var rounds: Int
        /// Seconds without a new record after which consuming stops and the rest counts as lost.
        public var stallSeconds: Int = 15

        public init(events: Int, payloadBytes: Int = 512, batchSize: Int = 1000, appenders: Int = 4, partitions: Int32 = 8, rounds: Int = 3) {
            self.events = events
            self.rounds = rounds
            self.payloadBytes = payloadBytes
            self.batchSize = batchSize
            self.appenders = appenders
            self.partitions = partitions
        }
    }

    public struct Report: Sendable {
        public var log: String
        public var appended: Int
        public var consumed: Int
        public var lost: Int
        public var duplicates: Int
        public var appendPerSecond: Double
        public var consumePerSecond: Double
        public var baselineName: String
        public var baselinePerSecond: Double
        /// Each round's rates, in order; the medians are `appendPerSecond` and `baselinePerSecond`.
        public var appendRounds: [Double]
        public var baselineRounds: [Double]
        public var appendRatio: Double { baselinePerSecond > 0 ? appendPerSecond / baselinePerSecond : 0 }
        /// Resident memory at the start, after the appends (each round's records, made beforehand, are
        /// released by then), and after consuming everything back.
        public var residentMegabytesBefore: Double
        public var residentMegabytesBeforeConsuming: Double
        public var residentMegabytesAfter: Double
    }

    /// Runs the benchmark on an opened log. `baseline` measures the raw storage rate for the same rows.
    public static func run(_ open: OpenLog, options: Options, baseline: @Sendable (Options) async throws -> (String, Double)) async throws -> Report {
        let log = open.log
        let run = "pm.bench.\(UInt32.random(in: 0...UInt32.max))"
        var topics: [String] = []
        var appendRates: [Double] = [], baselineRates: [Double] = []
        var appended = 0
        var baselineName = ""
        let rssBefore = liveResidentMegabytes()
        for round in 0..<max(1, options.rounds) {
            let topic = "\(run).\(round)"
            try await open.ensureTopic(TopicSpec(name: topic, partitions: options.partitions))
            topics.append(topic)
            let work = records(for: topic, options: options)
            let appendStart = ContinuousClock.now
            let count = try await withThrowingTaskGroup(of: Int.self) { group in
                for batches in work where !batches.isEmpty {
                    group.addTask {
                        var count = 0
                        for records in batches { count += try await log.append(records).count }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            appendRates.append(Double(count) / seconds(ContinuousClock.now - appendStart))
            appended += count
            let (name, rate) = try await baseline(options)
            baselineName = name
            baselineRates.append(rate)
        }

        // Consume every round's records back in one group, committing per batch. The rate counts from the
        // first record to the last commit (a Kafka group join takes seconds); a consumer that makes no progress
        // for `stallSeconds` is closed and what it did not get is reported as lost.
        let rssBeforeConsuming = liveResidentMegabytes()
        let rounds = Dictionary(uniqueKeysWithValues: topics.enumerated().map { ($1, $0) })
        let consumer = try await log.consumer(Subscription(group: "\(run).reader", topics: topics))
        let tally = SharedTally(expected: options.events * topics.count)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Commits are not awaited one by one: the consumer merges the ones that queue up while one is
                // in flight (a commit waits for the broker, behind the fetch it long-polls), so a consumer does
                // not stall on every round trip. Every commit is awaited before the count is final.
                try await withThrowingTaskGroup(of: Void.self) { commits in
                    var outstanding = 0
                    while !tally.withLock({ $0.complete }), let batch = try await consumer.nextBatch() {
                        tally.withLock { tally in
                            for record in batch {
                                let index = Self.index(of: record.value).flatMap { index in
                                    rounds[record.position.topic].map { $0 * options.events + index }
                                }
                                tally.count(index)
                            }
                        }
                        let positions = batch.map(\.position)
                        commits.addTask { try await consumer.commit(positions) }
                        outstanding += 1
                        if outstanding > 64 {
                            try await commits.next()
                            outstanding -= 1
                        }
                    }
                    try await commits.waitForAll()
                }
                tally.withLock { $0.lastProgress = ContinuousClock.now }
            }
            group.addTask {
                while !tally.withLock({ $0.complete }) {
                    try await Task.sleep(for: .milliseconds(250))
                    if tally.withLock({ ContinuousClock.now - $0.lastProgress > .seconds(options.stallSeconds) }) { break }
                }
                await consumer.close()
            }
            try await group.waitForAll()
        }
        let result = tally.withLock { $0 }
        let consumeSeconds = result.first.map { seconds(result.lastProgress - $0) } ?? 0
        let rssAfter = liveResidentMegabytes()
        let consumed = result.consumed, duplicates = result.duplicates, unique = result.unique

        return Report(log: open.location.description, appended: appended, consumed: consumed,
                      lost: options.events * topics.count - unique, duplicates: duplicates,
                      appendPerSecond: median(appendRates), consumePerSecond: consumeSeconds > 0 ? Double(consumed) / consumeSeconds : 0,
                      baselineName: baselineName, baselinePerSecond: median(baselineRates),
                      appendRounds: appendRates, baselineRounds: baselineRates,
                      residentMegabytesBefore: rssBefore, residentMegabytesBeforeConsuming: rssBeforeConsuming, residentMegabytesAfter: rssAfter)
    }

    /// The consuming side's tally, shared by the consuming task and its watchdog.
    final class SharedTally: Sendable {
        private let state: Mutex<ConsumeTally>
        init(expected: Int) { state = Mutex(ConsumeTally(expected: expected)) }
        func withLock<T>(_ body: (inout ConsumeTally) -> T) -> T { state.withLock { body(&$0) } }
    }

    /// What the consuming side saw.
    struct ConsumeTally: Sendable {
        var seen: [Bool]
        var consumed = 0
        var duplicates = 0
        var unique = 0
        var first: ContinuousClock.Instant?
        var lastProgress = ContinuousClock.now

        init(expected: Int) { seen = [Bool](repeating: false, count: expected) }

        var complete: Bool { unique >= seen.count }

        mutating func count(_ index: Int?) {
            consumed += 1
            let now = ContinuousClock.now
            if first == nil { first = now }
            lastProgress = now
            guard let index, index < seen.count else { return }
            if seen[index] { duplicates += 1 } else { seen[index] = true; unique += 1 }
        }
    }

    /// The records of one round, made before its clock starts (as the baselines make their rows
    /// beforehand: what is timed is the log): per appender, its batches of `batchSize`.
    static func records(for topic: String, options: Options) -> [[[ProducerRecord]]] {
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: max(0, options.payloadBytes - 16))
        let keys = (0..<10_000).map { Array("transfer-\($0)".utf8) }
        let headers = [LogHeader(name: "pm.type", text: headerValue)]
        let perAppender = (options.events + options.appenders - 1) / options.appenders
        return (0..<options.appenders).map { appender in
            let first = appender * perAppender
            let last = min(options.events, first + perAppender)
            return stride(from: first, to: last, by: options.batchSize).map { start in
                (start..<min(last, start + options.batchSize)).map { i in
                    ProducerRecord(topic: topic, key: keys[i % keys.count], headers: headers, value: Self.value(i, payload: payload))
                }
            }
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The `pm.type` header of every benchmark record.
    static let headerValue = "bench.event"

    /// A value of `payloadBytes`: a 16-digit index followed by padding.
    /// The record's index as 16 zero-padded decimal digits, then the payload.
    static func value(_ index: Int, payload: [UInt8]) -> [UInt8] {
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: 16 + payload.count)
        var rest = index
        var position = 15
        while rest > 0 && position >= 0 {
            bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            position -= 1
        }
        bytes.replaceSubrange(16..., with: payload)
        return bytes
    }

    static func index(of value: [UInt8]) -> Int? {
        guard value.count >= 16 else { return nil }
        return Int(String(decoding: value.prefix(16), as: UTF8.self))
    }

    static func seconds(_ duration: Duration) -> Double { Measure.seconds(duration) }

    /// The resident set size once the allocator has handed freed memory back (`malloc_trim`): the
    /// benchmark makes and frees each round's records, which would otherwise stay counted.
    static func liveResidentMegabytes() -> Double {
        // glibc's `malloc_trim`, which the Glibc module does not export (looked up in the default namespace).
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        return residentMegabytes()
    }

    /// The resident set size of this process, in MiB (Linux `/proc/self/statm`).
    public static func residentMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// Raw SQLite: the same rows inserted into a fresh table of the same layout, with the same pragmas and
    /// batch size, through one prepared statement, in a file beside `path`.
    public static func rawSQLiteRate(path: String, options: Options, durabilityFull: Bool = true) throws -> Double {
        let file = path + ".raw-baseline"
        for suffix in ["", "-wal", "-shm"] { unlink(file + suffix) }
        defer { for suffix in ["", "-wal", "-shm"] { unlink(file + suffix) } }
        var db: OpaquePointer?
        guard sqlite3_open(file, &db) == SQLITE_OK, let db else { throw LogError(.unavailable, "cannot open \(file)") }
        defer { sqlite3_close(db) }
        sqlite3_exec(db, """
            PRAGMA journal_mode=WAL; PRAGMA synchronous=\(durabilityFull ? "FULL" : "NORMAL");
            \(SQLiteEventLog.recordsSchema)
            """, nil, nil, nil)
        var statement: OpaquePointer?
        sqlite3_prepare_v2(db, "INSERT INTO records VALUES(?, ?, ?, ?, ?, ?, ?)", -1, &statement, nil)
        guard let statement else { throw LogError(.backend, "cannot prepare the baseline insert") }
        defer { sqlite3_finalize(statement) }
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: max(0, options.payloadBytes - 16))
        let headers: [UInt8] = [7] + Array("pm.type".utf8) + [11] + Array("bench.event".utf8)
        var offsets = [Int64](repeating: 0, count: Int(options.partitions))
        // Rows are made before timing, as the log's callers make them before appending.
        let rows = (0..<options.events).map { i -> (key: [UInt8], value: [UInt8]) in
            (Array("transfer-\(i % 10_000)".utf8), value(i, payload: payload))
        }
        let start = ContinuousClock.now
        var index = 0
        while index < rows.count {
            sqlite3_exec(db, "BEGIN IMMEDIATE", nil, nil, nil)
            let end = min(rows.count, index + options.batchSize)
            for row in rows[index..<end] {
                let partition = Int(Partitioner.partition(for: row.key, partitions: options.partitions))
                sqlite3_bind_int64(statement, 1, 1)
                sqlite3_bind_int64(statement, 2, Int64(partition))
                sqlite3_bind_int64(statement, 3, offsets[partition])
                sqlite3_bind_int64(statement, 4, 1_790_000_000_000)
                let status = row.key.withUnsafeBytes { key in
                    headers.withUnsafeBytes { headerBytes in
                        row.value.withUnsafeBytes { value in
                            sqlite3_bind_blob(statement, 5, key.baseAddress, Int32(key.count), nil)
                            sqlite3_bind_blob(statement, 6, headerBytes.baseAddress, Int32(headerBytes.count), nil)
                            sqlite3_bind_blob(statement, 7, value.baseAddress, Int32(value.count), nil)
                            return sqlite3_step(statement)
                        }
                    }
                }
                guard status == SQLITE_DONE else { throw LogError(.backend, "baseline insert failed") }
                sqlite3_reset(statement)
                offsets[partition] += 1
            }
            sqlite3_exec(db, "COMMIT", nil, nil, nil)
            index = end
        }
        return Double(rows.count) / seconds(ContinuousClock.now - start)
    }
}
