import EventLog
import Foundation
import KafkaLog
import Testing

extension KafkaTests {
    /// A broker goes down and comes back; nothing is lost, duplicated into a projection, or reordered.
    @Suite("broker faults")
    struct Faults {
        /// Appends `events` with `appenders` concurrent tasks, each owning some keys and appending its
        /// events in order, `batch` at a time; `mayAppend` gates each batch (flow control, no sleeping).
        static func appendAll(_ events: [KafkaTestEvent], topic: String, log: KafkaEventLog, appenders: Int = 4, batch: Int = 10,
                              appended: KafkaCounter, mayAppend: @escaping @Sendable () -> Bool = { true }) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<appenders {
                    let mine = events.filter { (Int($0.key.dropFirst(4)) ?? 0) % appenders == worker }
                    group.addTask {
                        for start in stride(from: 0, to: mine.count, by: batch) {
                            try await kafkaEventually("room to append", within: 60) { mayAppend() }
                            let slice = mine[start..<min(start + batch, mine.count)]
                            _ = try await log.append(slice.map { $0.record(topic) })
                            appended.add(slice.count)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }

        /// Whether a client has tried to reach broker `id` and been refused: the outage has been felt.
        static func refused(_ logs: KafkaLogRecorder, broker id: Int32) -> Bool {
            logs.contains { $0.message.contains("/\(id): Connect to") && $0.message.contains("refused") }
        }

        @Test("a broker going down and coming back while appending loses, duplicates and reorders nothing")
        func brokerDownWhileAppending() async throws {
            let bed = try KafkaTestBed()
            let log = bed.log
            try await log.ensureTopic(TopicSpec(name: "faults", partitions: 6))
            // Each broker leads two partitions: the mock picks leaders at random, and a broker 2 that led
            // none would let every append finish during its outage (the test would then prove nothing).
            for partition in Int32(0)..<6 { try bed.cluster.setLeader(topic: "faults", partition: partition, broker: partition % 3 + 1) }
            let events = KafkaTestEvent.stream(keys: 40, perKey: 30, prefix: "p")
            let appended = KafkaCounter()
            // Appending pauses after 200 records until the broker is down, so that appends are in flight
            // during the outage however fast the machine is.
            let down = KafkaFlag()
            let appending = Task {
                try await Self.appendAll(events, topic: "faults", log: log, appended: appended) { appended.count < 200 || down.isSet }
            }

            try await kafkaEventually("200 records appended") { appended.count >= 200 }
            try bed.cluster.setBroker(2, up: false)
            down.set()
            // Down until the outage is felt: the producer was refused by the broker, or appending stalled
            // behind it for a second (which of the two shows first depends on librdkafka's reconnect timing).
            try await kafkaEventually("the producer to be refused by broker 2 or stall") {
                Self.refused(bed.logs, broker: 2) || appended.stalled(for: 1)
            }
            #expect(appended.count < events.count, "the appends finished before the broker went down")
            try bed.cluster.setBroker(2, up: true)
            try await kafkaWithin(30, "all appends to finish") { try await appending.value }
            #expect(appended.count == events.count)

            // The idempotent producer retried without duplicating: each event is in the log exactly once,
            // and each key's events are in order within its partition.
            let records = try await log.read(ReadRequest(topic: "faults", limit: 10_000))
            let stored = records.compactMap(KafkaTestEvent.init)
            #expect(stored.count == events.count, "\(stored.count - Set(stored).count) duplicates")
            #expect(Set(stored.map(\.id)) == Set(events.map(\.id)))
            var last: [String: Int] = [:]
            for event in stored {
                #expect(event.sequence == (last[event.key] ?? -1) + 1, "\(event.id) out of order")
                last[event.key] = event.sequence
            }
            await log.shutdown()
        }

        @Test("a broker going down and coming back while consuming loses nothing and the projection counts each record once, in order")
        func brokerDownWhileConsuming() async throws {
            let bed = try KafkaTestBed()
            let log = bed.log
            try await log.ensureTopic(TopicSpec(name: "stream", partitions: 6))
            for partition in Int32(0)..<6 { try bed.cluster.setLeader(topic: "stream", partition: partition, broker: partition % 3 + 1) }
            let events = KafkaTestEvent.stream(keys: 30, perKey: 40, prefix: "c")
            let firstHalf = Array(events.prefix(600))
            let secondHalf = Array(events.dropFirst(600))
            let appended = KafkaCounter()
            try await Self.appendAll(firstHalf, topic: "stream", log: log, appenders: 1, batch: 50, appended: appended)

            let projection = KafkaTestProjection()
            let consumer = try await log.consumer(Subscription(group: "projection", topics: ["stream"]))
            let consuming = Task { try await kafkaProcess(consumer, into: projection, member: 1) { projection.appliedCount >= events.count } }
            try await kafkaEventually("200 records processed") { projection.appliedCount >= 200 }

            try bed.cluster.setBroker(1, up: false)
            // More records arrive while the broker is down (those for its partitions wait for it).
            let appending = Task {
                try await Self.appendAll(secondHalf, topic: "stream", log: log, appenders: 1, batch: 20, appended: appended)
            }
            // Down until a client has been refused and both appending and processing have stalled.
            try await kafkaEventually("a client to be refused by broker 1 and the flow to stall") {
                Self.refused(bed.logs, broker: 1) && appended.stalled(for: 1) && projection.stalled(for: 1)
            }
            #expect(appended.count < events.count, "the appends finished before the broker went down")
            try bed.cluster.setBroker(1, up: true)

            try await kafkaWithin(45, "every record appended and processed") {
                try await appending.value
                try await kafkaEventually("1200 records processed", within: 45) { projection.appliedCount >= events.count }
            }
            await consumer.close()
            let commitFailures = try await consuming.value
            #expect(projection.appliedIds == Set(events.map(\.id)), "records lost")
            #expect(projection.appliedCount == events.count)
            #expect(projection.outOfOrder.isEmpty, "reordered: \(projection.outOfOrder.prefix(5))")
            // Redeliveries are allowed after a fault (the projection skips them); each is accounted for.
            #expect(projection.deliveries == events.count + projection.redeliveries.count)
            if !projection.redeliveries.isEmpty || !commitFailures.isEmpty {
                print("broker fault while consuming: \(projection.redeliveries.count) redeliveries, \(commitFailures.count) failed commits")
            }
            await log.shutdown()
        }
    }
}
