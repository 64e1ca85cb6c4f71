@testable import EventLog
import Foundation
import Testing

/// How the embedded log lays its records out on disk, and log files of the earlier layout.
struct SQLiteLayoutTests {
    static func fileBytes(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// `count` records of `bytes` bytes each, spread over the topic's partitions by key.
    static func records(_ topic: String, count: Int, from first: Int = 0, bytes: Int) -> [ProducerRecord] {
        (first..<(first + count)).map { i in
            ProducerRecord(topic: topic, key: "transfer-\(i % 97)", headers: [LogHeader(name: "pm.type", text: "test.event")],
                           value: Array("\(i):".utf8) + [UInt8](repeating: 0x61, count: bytes))
        }
    }

    /// Everything on `topic`, read back by one consumer group: each partition's values in offset order.
    static func readAll(_ log: SQLiteEventLog, topic: String, group: String, expecting count: Int) async throws -> [Int32: [(Int64, String)]] {
        let consumer = try await log.consumer(Subscription(group: group, topics: [topic]))
        let read = try await withDeadline(30, "the consumer to read \(count) records") {
            var seen: [Int32: [(Int64, String)]] = [:]
            var total = 0
            while total < count, let batch = try await consumer.nextBatch() {
                for record in batch {
                    let prefix = String(decoding: record.value.prefix { $0 != UInt8(ascii: ":") }, as: UTF8.self)
                    seen[record.partition, default: []].append((record.offset, prefix))
                }
                total += batch.count
                try await consumer.commit(batch.map(\.position))
            }
            return seen
        }
        await consumer.close()
        return read
    }

    /// A log file holding 2,000 records of 1.5 KB (the size of a received FSPIOP request) appended four at a
    /// time, as the connector appends them; `earlier`: in a file created with the earlier layout.
    static func filled(earlier: Bool, in directory: TemporaryDirectory) async throws -> (size: Int, layout: RecordsLayout?, log: SQLiteEventLog) {
        let path = directory.path(earlier ? "earlier.sqlite" : "log.sqlite")
        if earlier {
            let old = try SQLiteConnection(path: path, label: "old-layout")
            try old.runSynchronously { connection throws(LogError) in
                try connection.execute("PRAGMA journal_mode=WAL;" + RecordsLayout.keyedByPositionSchema)
            }
        }
        let log = try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: path, durability: .normal))
        try await log.ensureTopic(TopicSpec(name: "t", partitions: 4))
        for batch in 0..<500 { _ = try await log.append(Self.records("t", count: 4, from: batch * 4, bytes: 1500)) }
        let layout = try log.writer.runSynchronously { connection throws(LogError) in try RecordsLayout.layout(connection) }
        _ = try await log.writer.run { connection throws(LogError) in try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        return (fileBytes(path), layout, log)
    }

    @Test("a new log file, its WAL and its shared-memory file are readable and writable by their owner only")
    func ownerOnly() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("private.sqlite")
        let log = try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: path, durability: .normal))
        try await log.ensureTopic(TopicSpec(name: "t", partitions: 1))
        _ = try await log.append(Self.records("t", count: 4, bytes: 100))
        for file in [path, path + "-wal", path + "-shm"] {
            let permissions = (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue
            #expect(permissions == 0o600, "\(file): \(String(permissions ?? 0, radix: 8))")
        }
        await log.shutdown()
    }

    @Test("a new log keeps its records in append order: its file is far smaller than the earlier layout's")
    func appendOrderIsCompact() async throws {
        let directory = try TemporaryDirectory()
        let (size, layout, log) = try await Self.filled(earlier: false, in: directory)
        let (earlierSize, earlierLayout, earlierLog) = try await Self.filled(earlier: true, in: directory)
        await earlierLog.shutdown()
        #expect(layout == .appendOrder)
        #expect(earlierLayout == .keyedByPosition)
        // Two records of 1.5 KB fit a 4 KB page whole; the earlier layout kept about 500 bytes of each in the
        // partition's pages and spilled the rest into a page of its own.
        #expect(size * 4 < earlierSize * 3, "\(size) bytes in this layout, \(earlierSize) in the earlier one, for 3,080,000 bytes of records")
        let read = try await Self.readAll(log, topic: "t", group: "g", expecting: 2000)
        #expect(read.values.reduce(0) { $0 + $1.count } == 2000)
        for (_, records) in read { #expect(records.map(\.0) == Array(0..<Int64(records.count))) }
        await log.shutdown()
    }

    @Test("a log file of the earlier layout (records keyed by position) opens, appends, reads and reopens as before")
    func earlierLayoutStillWorks() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        do {
            let old = try SQLiteConnection(path: path, label: "old-layout")
            try old.runSynchronously { connection throws(LogError) in
                try connection.execute("PRAGMA journal_mode=WAL;" + RecordsLayout.keyedByPositionSchema)
            }
        }
        var log = try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: path, durability: .normal))
        try await log.ensureTopic(TopicSpec(name: "t", partitions: 3))
        _ = try await log.append(Self.records("t", count: 300, bytes: 1500))
        var read = try await Self.readAll(log, topic: "t", group: "g", expecting: 300)
        #expect(read.values.reduce(0) { $0 + $1.count } == 300)
        await log.shutdown()

        // Reopened: still the earlier layout, no index beside it, offsets go on from where they were.
        log = try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: path, durability: .normal))
        let (layout, indexes) = try log.writer.runSynchronously { connection throws(LogError) in
            let indexes = try connection.statement("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'records_position'")
            _ = try indexes.step()
            return (try RecordsLayout.layout(connection), indexes.int64(0))
        }
        #expect(layout == .keyedByPosition)
        #expect(indexes == 0)
        _ = try await log.append(Self.records("t", count: 300, from: 300, bytes: 1500))
        read = try await Self.readAll(log, topic: "t", group: "h", expecting: 600)
        #expect(read.values.reduce(0) { $0 + $1.count } == 600)
        for (_, records) in read { #expect(records.map(\.0) == Array(0..<Int64(records.count))) }
        await log.shutdown()
    }
}
