import EventLog
import Foundation
import Testing

/// The log's contract, run against every backend (`Backend.allCases`).
@Suite("event log contract", .serialized)
struct ContractTests {
    static func events(keys: Int, perKey: Int, prefix: String = "e") -> [TestEvent] {
        var events: [TestEvent] = []
        for sequence in 0..<perKey {
            for key in 0..<keys { events.append(TestEvent(id: "\(prefix)-\(key)-\(sequence)", key: "key-\(key)", sequence: sequence)) }
        }
        return events
    }

    @Test("appends return positions in order and records read back with key, headers and value", arguments: Backend.allCases)
    func appendAndRead(backend: Backend) async throws {
        let (log, resources) = try await backend.make()
        defer { _ = resources }
        try await log.ensureTopic(TopicSpec(name: "t", partitions: 3))
        let binary: [UInt8] = [0, 1, 2, 255, 254]
        let records = (0..<30).map { i in
            ProducerRecord(topic: "t", key: "k\(i % 5)", headers: [LogHeader(name: "pm.type", text: "x"), LogHeader(name: "bin", value: binary)],
                           value: Array("value-\(i)".utf8))
        }
        let positions = try await log.append(records)
        #expect(positions.count == 30)
        for (record, position) in zip(records, positions) {
            #expect(position.topic == "t")
            #expect(position.partition == Partitioner.partition(for: record.key, partitions: 3))
        }
        // Offsets only increase within a partition, in append order.
        for partition in 0..<3 as Range<Int32> {
            let offsets = positions.filter { $0.partition == partition }.map(\.offset)
            #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count)
        }
        let read = try await log.read(ReadRequest(topic: "t", start: .beginning, limit: 100))
        #expect(read.count == 30)
        #expect(Set(read.map { String(decoding: $0.value, as: UTF8.self) }) == Set((0..<30).map { "value-\($0)" }))
        let first = try #require(read.first { String(decoding: $0.value, as: UTF8.self) == "value-7" })
        #expect(first.key == Array("k2".utf8))
        #expect(first.header("bin")?.value == binary)
        #expect(first.header("pm.type")?.text == "x")
        await log.shutdown()
    }

    @Test("a commit that appends: the output records and the input offsets are stored together, and a new member resumes after them", arguments: Backend.allCases)
    func commitAppending(backend: Backend) async throws {
        let (log, resources) = try await backend.make()
        defer { _ = resources }
        try await log.ensureTopic(TopicSpec(name: "in", partitions: 2))
        try await log.ensureTopic(TopicSpec(name: "out", partitions: 2))
        let inputs = Self.events(keys: 4, perKey: 5, prefix: "in")
        _ = try await log.append(inputs.map { $0.record("in") })
        let consumer = try await log.consumer(Subscription(group: "processor", topics: ["in"]))
        try await withDeadline(30, "processing the input") {
            var seen = 0
            while seen < inputs.count, let batch = try await consumer.nextBatch() {
                let outputs = batch.map { ProducerRecord(topic: "out", key: $0.key, headers: $0.headers, value: $0.value) }
                let positions = try await consumer.commit(batch.map(\.position), appending: outputs, to: log)
                #expect(positions.count == outputs.count)
                #expect(positions.allSatisfy { $0.topic == "out" })
                seen += batch.count
            }
        }
        await consumer.close()
        let out = try await log.read(ReadRequest(topic: "out", limit: 100))
        #expect(out.count == inputs.count)
        #expect(try await log.groupLag("processor").allSatisfy { $0.lag == 0 })
        // A new member of the group finds nothing left to process.
        try await log.ensureTopic(TopicSpec(name: "in", partitions: 2))
        _ = try await log.append([TestEvent(id: "late", key: "key-0", sequence: 99).record("in")])
        let next = try await log.consumer(Subscription(group: "processor", topics: ["in"]))
        try await withDeadline(30, "the record appended after the commits") {
            let batch = try #require(try await next.nextBatch())
            #expect(batch.compactMap(TestEvent.decode).map(\.id) == ["late"])
        }
        await next.close()
        await log.shutdown()
    }

    @Test("records with one key are consumed in the order they were appended", arguments: Backend.allCases)
    func perKeyOrder(backend: Backend) async throws {
        let (log, resources) = try await backend.make()
        defer { _ = resources }
        try await log.ensureTopic(TopicSpec(name: "orders", partitions: 4))
        let events = Self.events(keys: 20, perKey: 25)
        // Concurrent appenders, each owning some keys, each appending in small batches.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                let mine = events.filter { Int($0.key.dropFirst(4))! % 4 == worker }
                group.addTask {
                    for start in stride(from: 0, to: mine.count, by: 7) {
                        _ = try await log.append(mine[start..<min(start + 7, mine.count)].map { $0.record("orders") })
                    }
                }
            }
            try await group.waitForAll()
        }
        let consumer = try await log.consumer(Subscription(group: "g", topics: ["orders"]))
        let processed = Processed()
        try await withDeadline(30, "consuming 500 records") {
            while processed.count < events.count, let batch = try await consumer.nextBatch() {
                for record in batch { if let event = TestEvent.decode(record) { processed.add(event, member: 0) } }
                try await consumer.commit(batch.map(\.position))
            }
        }
        #expect(processed.count == events.count)
        var lastSequence: [String: Int] = [:]
        for event in processed.events {
            #expect(event.sequence == (lastSequence[event.key] ?? -1) + 1, "key \(event.key) out of order")
            lastSequence[event.key] = event.sequence
        }
        await consumer.close()
        await log.shutdown()
    }

    @Test("a group resumes after its commits; uncommitted records are delivered again", arguments: Backend.allCases)
    func commitAndResume(backend: Backend) async throws {
        let (log, resources) = try await backend.make()
        defer { _ = resources }
        try await log.ensureTopic(TopicSpec(name: "t", partitions: 1))
        _ = try await log.append((0..<10).map { TestEvent(id: "e\($0)", key: "k", sequence: $0).record("t") })
        let first = try await log.consumer(Subscription(group: "g", topics: ["t"]))
        var seen: [TestEvent] = []
        try await withDeadline(30, "first member") {
            var collected: [TestEvent] = []
            while collected.count < 10, let batch = try await first.nextBatch() { collected += batch.compactMap(TestEvent.decode) }
            return collected
        }.forEach { seen.append($0) }
        #expect(seen.map(\.sequence) == Array(0..<10))
        // Commit through sequence 5 only.
        let read = try await log.read(ReadRequest(topic: "t", start: .beginning))
        try await first.commit(read[5])
        await first.close()

        let lag = try await log.groupLag("g")
        #expect(lag.count == 1)
        #expect(lag.first?.committedOffset == read[5].offset + 1)
        #expect(lag.first?.lag == 4)

        let second = try await log.consumer(Subscription(group: "g", topics: ["t"]))
        let again = try await withDeadline(30, "second member") {
            var collected: [TestEvent] = []
            while collected.count < 4, let batch = try await second.nextBatch() { collected += batch.compactMap(TestEvent.decode) }
            return collected
        }
        #expect(again.map(\.sequence) == [6, 7, 8, 9])
        // Another group starts from the beginning, independently.
        let other = try await log.consumer(Subscription(group: "other", topics: ["t"]))
        let all = try await withDeadline(30, "other group") {
            var collected: [TestEvent] = []
            while collected.count < 10, let batch = try await other.nextBatch() { collected += batch.compactMap(TestEvent.decode) }
            return collected
        }
        #expect(all.count == 10)
        await second.close()
        await other.close()
        await log.shutdown()
    }

    @Test("a consumer waiting at the end wakes when a record is appended", arguments: Backend.allCases)
    func wakesOnAppend(backend: Backend) async throws {
        let (log, resources) = try await backend.make()
        defer { _ = resources }
        try await log.ensureTopic(TopicSpec(name: "t", partitions: 2))
        // An empty topic: the consumer is at the end and must wait (with .latest, Kafka resolves the start
        // only at the first fetch, which could come after the append).
        let consumer = try await log.consumer(Subscription(group: "g", topics: ["t"], startAt: .earliest))
        async let received = withDeadline(30, "woken consumer") { try await consumer.nextBatch() ?? [] }
        _ = try await log.append([TestEvent(id: "late", key: "k", sequence: 0).record("t")])
        let batch = try await received
        #expect(batch.compactMap(TestEvent.decode).map(\.id) == ["late"])
        await consumer.close()
        await log.shutdown()
    }

    @Test("no record is processed by two members or skipped when members join and leave", arguments: Backend.allCases)
    func rebalance(backend: Backend) async throws {
        let (log, resources) = try await backend.make()
        defer { _ = resources }
        try await log.ensureTopic(TopicSpec(name: "t", partitions: 6))
        let events = Self.events(keys: 30, perKey: 20)
        let processed = Processed()

        // A processor: process a batch, then commit it. A commit refused because the partitions moved
        // (`.rebalanced`) or the member was closed is not an error of the processor: the log must still hand the next owner only
        // what was not processed, which is what the assertions check.
        @Sendable func run(_ consumer: LogConsumer, member: Int, until: @escaping @Sendable () -> Bool) async throws {
            while !until(), let batch = try await consumer.nextBatch() {
                for record in batch {
                    if let event = TestEvent.decode(record) { processed.add(event, member: member) }
                }
                let committed = await Result { try await consumer.commit(batch.map(\.position)) }
                // Refused because the partitions moved, or because the test closed the member at the end.
                if case let .failure(error) = committed, ![.rebalanced, .closed].contains((error as? LogError)?.code) { throw error }
            }
        }

        let firstHalf = Array(events.prefix(300)), secondHalf = Array(events.dropFirst(300))
        _ = try await log.append(firstHalf.map { $0.record("t") })
        let one = try await log.consumer(Subscription(group: "g", topics: ["t"]))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await run(one, member: 1) { processed.count >= events.count } }
            // A second member joins while records flow, then more are appended.
            let two = try await log.consumer(Subscription(group: "g", topics: ["t"]))
            group.addTask { try await run(two, member: 2) { processed.count >= events.count } }
            for start in stride(from: 0, to: secondHalf.count, by: 20) {
                _ = try await log.append(secondHalf[start..<start + 20].map { $0.record("t") })
            }
            // Whatever happens, close both members so that their tasks end (nextBatch returns nil).
            let outcome = await Result {
                try await withDeadline(60, "both members processing 600 records") {
                    await processed.waitUntil(count: events.count)
                }
            }
            await one.close()
            await two.close()
            try await group.waitForAll()
            try outcome.get()
        }
        let ids = processed.events.map(\.id)
        #expect(Set(ids) == Set(events.map(\.id)), "records skipped")
        #expect(ids.count == Set(ids).count, "records processed twice")
        var lastSequence: [String: Int] = [:]
        for event in processed.events {
            #expect(event.sequence > (lastSequence[event.key] ?? -1), "key \(event.key) went backwards")
            lastSequence[event.key] = event.sequence
        }
        await log.shutdown()
    }

    @Test("reads from an offset, a time and a partition, with a limit; describes topics", arguments: Backend.allCases)
    func readsAndDescribes(backend: Backend) async throws {
        let (log, resources) = try await backend.make()
        defer { _ = resources }
        try await log.ensureTopic(TopicSpec(name: "r", partitions: 2))
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let positions = try await log.append((0..<20).map { TestEvent(id: "e\($0)", key: "k\($0 % 2)", sequence: $0).record("r") })
        let partition = positions[0].partition
        let onPartition = positions.filter { $0.partition == partition }
        let fromOffset = try await log.read(ReadRequest(topic: "r", partition: partition, start: .offset(onPartition[3].offset), limit: 4))
        #expect(fromOffset.map(\.offset) == onPartition[3..<7].map(\.offset))
        let all = try await log.read(ReadRequest(topic: "r", start: .time(before - 1000), limit: 100))
        #expect(all.count == 20)
        let future = try await log.read(ReadRequest(topic: "r", start: .time(before + 3_600_000), limit: 100))
        #expect(future.isEmpty)
        let limited = try await log.read(ReadRequest(topic: "r", start: .beginning, limit: 3))
        #expect(limited.count == 3)
        let description = try #require(try await log.describeTopics().first { $0.name == "r" })
        #expect(description.partitions.count == 2)
        #expect(description.partitions.map { $0.endOffset - $0.startOffset }.reduce(0, +) == 20)
        await #expect(throws: LogError.self) { _ = try await log.read(ReadRequest(topic: "r", partition: 7)) }
        await log.shutdown()
    }

    @Test("unknown topics and appends after shutdown are refused", arguments: Backend.allCases)
    func refusals(backend: Backend) async throws {
        let (log, resources) = try await backend.make()
        defer { _ = resources }
        await #expect(throws: LogError.self) { _ = try await log.read(ReadRequest(topic: "nope")) }
        try await log.ensureTopic(TopicSpec(name: "t", partitions: 1))
        await log.shutdown()
        await #expect(throws: LogError.self) { _ = try await log.append([ProducerRecord(topic: "t", key: "k", value: [1])]) }
    }
}
