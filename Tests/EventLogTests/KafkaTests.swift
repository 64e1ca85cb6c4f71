import EventLog
import Foundation
@testable import KafkaLog
import Testing

extension KafkaTests {
    @Suite("appending, consuming and reading")
    struct Basics {
        @Test("records appended are consumed by a group with their keys, headers and values, and committed")
        func roundTrip() async throws {
            let bed = try KafkaTestBed()
            try await bed.log.ensureTopic(TopicSpec(name: "payments", partitions: 3))
            let records = (0..<30).map { index in
                ProducerRecord(topic: "payments", key: "transfer-\(index % 7)",
                               headers: [LogHeader(name: "pm.type", text: "transfer.quote-received"), LogHeader(name: "pm.seq", text: String(index))],
                               value: Array("value-\(index)".utf8))
            }
            let positions = try await bed.log.append(records)
            #expect(positions.count == records.count)
            for (record, position) in zip(records, positions) {
                #expect(position.topic == "payments")
                #expect(position.partition == Partitioner.partition(for: record.key, partitions: 3), "key \(record.key) is not where murmur2 puts it")
            }
            for partition in 0..<3 as Range<Int32> {
                let offsets = positions.filter { $0.partition == partition }.map(\.offset)
                #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count, "offsets on partition \(partition) not increasing")
            }

            let consumer = try await bed.log.consumer(Subscription(group: "round-trip", topics: ["payments"]))
            let received = try await kafkaWithin(30, "30 records") {
                var received: [ConsumerRecord] = []
                while received.count < records.count, let batch = try await consumer.nextBatch() {
                    received += batch
                    try await consumer.commit(batch.map(\.position))
                }
                return received
            }
            #expect(Set(received.map(\.position)) == Set(positions))
            for record in received {
                let index = try #require(record.header("pm.seq")?.text.flatMap { Int($0) })
                #expect(record.key == records[index].key)
                #expect(record.value == records[index].value)
                #expect(record.header("pm.type")?.text == "transfer.quote-received")
                #expect(record.timestamp > 1_600_000_000_000)
            }
            #expect(await consumer.assignment().count == 3)
            let lag = try await bed.log.groupLag("round-trip")
            #expect(lag.count == 3)
            #expect(lag.allSatisfy { $0.lag == 0 })
            #expect(lag.map(\.endOffset).reduce(0, +) == 30)
            await consumer.close()
            await bed.log.shutdown()
        }

        @Test("a key's records are consumed in append order across partitions and concurrent appenders")
        func perKeyOrder() async throws {
            let bed = try KafkaTestBed()
            try await bed.log.ensureTopic(TopicSpec(name: "orders", partitions: 4))
            let events = KafkaTestEvent.stream(keys: 20, perKey: 25, prefix: "order")
            let log = bed.log
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    let mine = events.filter { (Int($0.key.dropFirst(4)) ?? 0) % 4 == worker }
                    group.addTask {
                        for start in stride(from: 0, to: mine.count, by: 7) {
                            _ = try await log.append(mine[start..<min(start + 7, mine.count)].map { $0.record("orders") })
                        }
                    }
                }
                try await group.waitForAll()
            }
            let consumer = try await log.consumer(Subscription(group: "order-check", topics: ["orders"]))
            let projection = KafkaTestProjection()
            try await kafkaWithin(30, "500 records") {
                try await kafkaProcess(consumer, into: projection, member: 1) { projection.appliedCount >= events.count }
            }
            #expect(projection.appliedCount == events.count)
            #expect(projection.outOfOrder.isEmpty, "out of order: \(projection.outOfOrder.prefix(5))")
            #expect(projection.redeliveries.isEmpty)
            // Every key stays in one partition, the one murmur2 gives.
            let read = try await log.read(ReadRequest(topic: "orders", limit: 1000))
            #expect(read.count == events.count)
            for record in read {
                #expect(record.partition == Partitioner.partition(for: record.key, partitions: 4))
            }
            await consumer.close()
            await log.shutdown()
        }

        @Test("headers, empty keys and empty values survive the trip")
        func headersAndEmptyFields() async throws {
            let bed = try KafkaTestBed()
            try await bed.log.ensureTopic(TopicSpec(name: "h", partitions: 2))
            let binary: [UInt8] = [0, 1, 2, 255, 254, 0]
            let records = [
                ProducerRecord(topic: "h", key: "a", headers: [LogHeader(name: "bin", value: binary), LogHeader(name: "empty", value: []),
                                                              LogHeader(name: "dup", text: "1"), LogHeader(name: "dup", text: "2")], value: [9]),
                ProducerRecord(topic: "h", key: [UInt8](), headers: [], value: Array("no key".utf8)),
                ProducerRecord(topic: "h", key: "c", headers: [LogHeader(name: "k", text: "v")], value: []),
            ]
            let positions = try await bed.log.append(records)
            // An empty key is still hashed (not a random partition), like the SQLite log does.
            #expect(positions[1].partition == Partitioner.partition(for: [], partitions: 2))
            let read = try await bed.log.read(ReadRequest(topic: "h", limit: 10))
            #expect(read.count == 3)
            let first = try #require(read.first { $0.key == Array("a".utf8) })
            #expect(first.headers == records[0].headers)
            #expect(first.value == [9])
            let keyless = try #require(read.first { $0.value == Array("no key".utf8) })
            #expect(keyless.key.isEmpty)
            #expect(keyless.headers.isEmpty)
            let valueless = try #require(read.first { $0.key == Array("c".utf8) })
            #expect(valueless.value.isEmpty)
            #expect(valueless.header("k")?.text == "v")

            let consumer = try await bed.log.consumer(Subscription(group: "headers", topics: ["h"]))
            let consumed = try await kafkaWithin(30, "3 records") {
                var consumed: [ConsumerRecord] = []
                while consumed.count < 3, let batch = try await consumer.nextBatch() { consumed += batch }
                return consumed
            }
            #expect(Set(consumed) == Set(read))
            await consumer.close()
            await bed.log.shutdown()
        }

        @Test("reads from an offset, a time and a partition, with a limit; describes topics; refuses bad requests")
        func reads() async throws {
            let bed = try KafkaTestBed()
            let log = bed.log
            try await log.ensureTopic(TopicSpec(name: "r", partitions: 2))
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            let positions = try await log.append((0..<20).map { KafkaTestEvent(id: "e\($0)", key: "k\($0 % 2)", sequence: $0).record("r") })
            let partition = positions[0].partition
            let onPartition = positions.filter { $0.partition == partition }
            let fromOffset = try await log.read(ReadRequest(topic: "r", partition: partition, start: .offset(onPartition[3].offset), limit: 4))
            #expect(fromOffset.map(\.offset) == onPartition[3..<7].map(\.offset))
            // The mock cluster cannot look up offsets by time; the log then scans by timestamp.
            #expect(try await log.read(ReadRequest(topic: "r", start: .time(before - 1000), limit: 100)).count == 20)
            #expect(try await log.read(ReadRequest(topic: "r", start: .time(before + 3_600_000), limit: 100)).isEmpty)
            #expect(try await log.read(ReadRequest(topic: "r", start: .beginning, limit: 3)).count == 3)
            // Partition by partition: the first partition's records come first.
            let all = try await log.read(ReadRequest(topic: "r", limit: 100))
            #expect(all.map(\.partition) == all.map(\.partition).sorted())
            let description = try #require(try await log.describeTopics().first { $0.name == "r" })
            #expect(description.partitions.map(\.partition) == [0, 1])
            #expect(description.partitions.map { $0.endOffset - $0.startOffset }.reduce(0, +) == 20)

            await #expect(throws: LogError.self) { _ = try await log.read(ReadRequest(topic: "r", partition: 7)) }
            await #expect(throws: LogError.self) { _ = try await log.read(ReadRequest(topic: "r", limit: 0)) }
            do throws(LogError) {
                _ = try await log.read(ReadRequest(topic: "nope"))
                Issue.record("reading an unknown topic succeeded")
            } catch {
                #expect(error.code == .unknownTopic)
            }
            do throws(LogError) {
                _ = try await log.append([ProducerRecord(topic: "nope", key: "k", value: [1])])
                Issue.record("appending to an unknown topic succeeded")
            } catch {
                #expect(error.code == .unknownTopic)
            }
            // Neither created it (the mock creates topics that a metadata request names).
            #expect(try await log.describeTopics().map(\.name) == ["r"])
            await log.shutdown()
        }

        @Test("ensureTopic on a cluster without CreateTopics: an existing topic is fine, a missing one is an error saying what to do")
        func ensureTopicWithoutAdminAPI() async throws {
            let cluster = try MockKafkaCluster(brokers: 1)
            var configuration = cluster.configuration()
            configuration.sessionTimeoutMilliseconds = 4000
            let log = try KafkaEventLog(configuration: configuration)
            try cluster.createTopic("exists", partitions: 2)
            try await log.ensureTopic(TopicSpec(name: "exists", partitions: 2))
            // An existing topic keeps its partition count.
            try await log.ensureTopic(TopicSpec(name: "exists", partitions: 5))
            #expect(try await log.describeTopics().first { $0.name == "exists" }?.partitions.count == 2)
            do throws(LogError) {
                try await log.ensureTopic(TopicSpec(name: "missing", partitions: 1))
                Issue.record("ensureTopic of a missing topic succeeded on the mock cluster")
            } catch {
                #expect(error.code == .unknownTopic)
                #expect(error.message.contains("MockKafkaCluster.createTopic"))
            }
            await log.shutdown()
            cluster.close()
            cluster.close()
            #expect(throws: LogError.self) { try cluster.createTopic("late", partitions: 1) }
        }

        @Test("shutdown flushes appends in flight, and appends after it are refused")
        func shutdownFlushes() async throws {
            // A long linger keeps records in librdkafka's queue: only the flush at shutdown sends them.
            let bed = try KafkaTestBed { $0.properties["linger.ms"] = "3000" }
            let log = bed.log
            try await log.ensureTopic(TopicSpec(name: "flush", partitions: 3))
            _ = try await log.append([KafkaTestEvent(id: "warm-up", key: "k", sequence: 0).record("flush")])
            let started = KafkaCounter()
            let appended = Task {
                try await withThrowingTaskGroup(of: [RecordPosition].self) { group in
                    for index in 0..<50 {
                        group.addTask {
                            started.add(1)
                            return try await log.append([KafkaTestEvent(id: "f\(index)", key: "k\(index % 5)", sequence: index).record("flush")])
                        }
                    }
                    var positions: [RecordPosition] = []
                    for try await batch in group { positions += batch }
                    return positions
                }
            }
            try await kafkaEventually("50 records in librdkafka's queue") { started.count == 50 && log.pendingRecordCount >= 50 }
            let clock = ContinuousClock()
            let shutdownTime = await clock.measure { await log.shutdown() }
            let positions = try await appended.value
            #expect(positions.count == 50)
            #expect(shutdownTime < .seconds(3), "shutdown waited for the linger instead of flushing")
            do throws(LogError) {
                _ = try await log.append([ProducerRecord(topic: "flush", key: "k", value: [1])])
                Issue.record("an append after shutdown succeeded")
            } catch {
                #expect(error.code == .closed)
            }
            do throws(LogError) {
                _ = try await log.consumer(Subscription(group: "late", topics: ["flush"]))
                Issue.record("a consumer after shutdown was made")
            } catch {
                #expect(error.code == .closed)
            }
            let reader = try bed.anotherLog()
            #expect(try await reader.read(ReadRequest(topic: "flush", limit: 100)).count == 51)
            await reader.shutdown()
        }

        @Test("a consumer waiting at the end wakes when a record is appended, even before its group has joined")
        func wakesOnAppend() async throws {
            let bed = try KafkaTestBed()
            let log = bed.log
            try await log.ensureTopic(TopicSpec(name: "late", partitions: 2))
            _ = try await log.append([KafkaTestEvent(id: "old", key: "k", sequence: 0).record("late")])
            let consumer = try await log.consumer(Subscription(group: "tail", topics: ["late"], startAt: .latest))
            async let received = kafkaWithin(30, "the appended record") { try await consumer.nextBatch() ?? [] }
            // Appended before the group's first assignment (about 3 s): `.latest` is the end when the
            // consumer was made, so the record is not skipped.
            _ = try await log.append([KafkaTestEvent(id: "new", key: "k", sequence: 1).record("late")])
            let batch = try await received
            #expect(batch.compactMap(KafkaTestEvent.init).map(\.id) == ["new"])
            await consumer.close()
            // Closing again, and using it after closing, are harmless.
            await consumer.close()
            #expect(try await consumer.nextBatch() == nil)
            await log.shutdown()
        }

        @Test("a group resumes after its commits; uncommitted records are delivered again; lag is reported")
        func commitAndResume() async throws {
            let bed = try KafkaTestBed()
            let log = bed.log
            try await log.ensureTopic(TopicSpec(name: "c", partitions: 1))
            _ = try await log.append((0..<10).map { KafkaTestEvent(id: "e\($0)", key: "k", sequence: $0).record("c") })
            let first = try await log.consumer(Subscription(group: "g", topics: ["c"]))
            let seen = try await kafkaWithin(30, "first member") {
                var seen: [ConsumerRecord] = []
                while seen.count < 10, let batch = try await first.nextBatch() { seen += batch }
                return seen
            }
            #expect(seen.compactMap(KafkaTestEvent.init).map(\.sequence) == Array(0..<10))
            try await first.commit(seen[5])
            await first.close()
            let lag = try await log.groupLag("g")
            #expect(lag.count == 1)
            #expect(lag.first?.committedOffset == seen[5].offset + 1)
            #expect(lag.first?.lag == 4)
            #expect(try await log.groupLag("never").isEmpty)

            let second = try await log.consumer(Subscription(group: "g", topics: ["c"]))
            let again = try await kafkaWithin(30, "second member") {
                var again: [ConsumerRecord] = []
                while again.count < 4, let batch = try await second.nextBatch() { again += batch }
                return again
            }
            #expect(again.compactMap(KafkaTestEvent.init).map(\.sequence) == [6, 7, 8, 9])
            await second.close()
            await log.shutdown()
        }
    }
}
