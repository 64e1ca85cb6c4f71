import EventLog
import Foundation
import Testing

/// The embedded log's WAL is checkpointed back into the database while records are appended and read,
/// so that neither the WAL file nor its memory-mapped index grows with the log's history.
struct SQLiteWALTests {
    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("with a consumer reading and the log queried, the WAL is checkpointed and stays bounded")
    func walIsCheckpointed() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let log = try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: path, durability: .normal))
        try await log.ensureTopic(TopicSpec(name: "t", partitions: 2))
        _ = try await log.describeTopics()
        let consumer = try await log.consumer(Subscription(group: "g", topics: ["t"]))
        let value = [UInt8](repeating: 0x61, count: 2048)
        let batches = 60, perBatch = 500
        let reading = Task {
            var seen = 0
            while seen < batches * perBatch, let batch = try await consumer.nextBatch() {
                seen += batch.count
                try await consumer.commit(batch.map(\.position))
                _ = try await log.groupLag("g")
            }
            return seen
        }
        for batch in 0..<batches {
            _ = try await log.append((0..<perBatch).map { ProducerRecord(topic: "t", key: Array("k\(batch)-\($0)".utf8), value: value) })
        }
        let seen = try await withDeadline(60, "the consumer to read everything") { try await reading.value }
        #expect(seen == batches * perBatch)
        // About 60 MiB went through the WAL: checkpoints copied it into the database, and the WAL was
        // restarted and kept under its size limit instead of holding all of it.
        #expect(Self.size(path) > 32 << 20, "the database holds \(Self.size(path)) bytes: no checkpoint completed")
        #expect(Self.size(path + "-wal") <= 80 << 20, "the WAL holds \(Self.size(path + "-wal")) bytes")
        await consumer.close()
        await log.shutdown()
    }
}
