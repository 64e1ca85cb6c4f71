@testable import EventLog
import Testing

/// The embedded log's in-memory run of each partition's latest records: what it answers from memory, and when
/// it sends the consumer to the table instead.
struct RecentRecordsTests {
    static let key = PartitionKey(topicID: 1, partition: 0)

    static func record(_ offset: Int64, bytes: Int = 100) -> ConsumerRecord {
        ConsumerRecord(topic: "t", partition: 0, offset: offset, key: [], headers: [], value: [UInt8](repeating: 0x61, count: bytes), timestamp: 0)
    }

    @Test("a run started at the partition's end answers 'nothing new' from memory, then what was committed, in order")
    func answersFromTheEnd() {
        var recent = RecentRecords(maximumBytes: 10_000)
        recent.start(Self.key, at: 5)
        #expect(recent.records(Self.key, from: 5, limit: 10)?.isEmpty == true)
        // Behind the run: the table answers.
        #expect(recent.records(Self.key, from: 4, limit: 10) == nil)
        for offset in Int64(5)...7 { recent.committed(Self.record(offset), key: Self.key) }
        #expect(recent.records(Self.key, from: 5, limit: 10)?.map(\.offset) == [5, 6, 7])
        #expect(recent.records(Self.key, from: 6, limit: 1)?.map(\.offset) == [6])
        #expect(recent.records(Self.key, from: 8, limit: 10)?.isEmpty == true)
        // Beyond the end (another writer's offsets): the table answers.
        #expect(recent.records(Self.key, from: 9, limit: 10) == nil)
        // Another partition without a run: the table answers.
        #expect(recent.records(PartitionKey(topicID: 1, partition: 1), from: 0, limit: 10) == nil)
    }

    @Test("the oldest records leave the run beyond its size; a consumer behind them reads the table")
    func boundedBySize() {
        var recent = RecentRecords(maximumBytes: 1_000)
        recent.start(Self.key, at: 0)
        for offset in Int64(0)..<200 { recent.committed(Self.record(offset), key: Self.key) }
        let kept = recent.records(Self.key, from: recent.runs[Self.key]!.first, limit: 1_000) ?? []
        #expect(kept.count >= 1 && kept.count <= 7)
        #expect(kept.last?.offset == 199)
        #expect(recent.records(Self.key, from: 0, limit: 10) == nil)
        // One record larger than the bound stays: the run is never emptied by its own size.
        recent.committed(Self.record(200, bytes: 5_000), key: Self.key)
        #expect(recent.records(Self.key, from: 200, limit: 10)?.map(\.offset) == [200])
    }

    @Test("a record that does not follow the run starts a new run; retention removes what it deleted; size 0 keeps nothing")
    func gapsRetentionAndOff() {
        var recent = RecentRecords(maximumBytes: 10_000)
        recent.start(Self.key, at: 0)
        recent.committed(Self.record(0), key: Self.key)
        recent.committed(Self.record(5), key: Self.key)
        #expect(recent.records(Self.key, from: 0, limit: 10) == nil)
        #expect(recent.records(Self.key, from: 5, limit: 10)?.map(\.offset) == [5])
        recent.committed(Self.record(6), key: Self.key)
        recent.removeBefore(6, key: Self.key)
        #expect(recent.records(Self.key, from: 5, limit: 10) == nil)
        #expect(recent.records(Self.key, from: 6, limit: 10)?.map(\.offset) == [6])
        recent.removeBefore(100, key: Self.key)
        #expect(recent.records(Self.key, from: 7, limit: 10) == nil)

        var off = RecentRecords(maximumBytes: 0)
        off.start(Self.key, at: 0)
        off.committed(Self.record(0), key: Self.key)
        #expect(off.records(Self.key, from: 0, limit: 10) == nil)
    }
}
