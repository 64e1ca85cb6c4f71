import EventLog
import Foundation
import KafkaLog
import Testing

extension KafkaTests {
    @Suite("rebalances")
    struct Rebalances {
        /// The mock cluster refuses commits from the moment a member joins until the group is stable again,
        /// so the first member's last commits before it gives up partitions are refused: they must be
        /// retried when it rejoins, before the new member reads those partitions (the takeover grace).
        @Test("with records flowing, a member joins and another leaves: no record is processed twice or skipped, and each key stays in order")
        func memberJoinsAndLeaves() async throws {
            let bed = try KafkaTestBed(sessionTimeoutMilliseconds: 4000)
            let log = bed.log
            try await log.ensureTopic(TopicSpec(name: "flow", partitions: 6))
            let events = KafkaTestEvent.stream(keys: 30, perKey: 40, prefix: "r")
            let projection = KafkaTestProjection()
            let appended = KafkaCounter()
            // Records keep flowing, at most 300 ahead of processing (so they also flow during rebalances).
            let appending = Task {
                try await Faults.appendAll(events, topic: "flow", log: log, appenders: 3, batch: 10, appended: appended) {
                    appended.count - projection.appliedCount < 300
                }
            }

            let subscription = Subscription(group: "members", topics: ["flow"])
            let first = try await log.consumer(subscription)
            let firstStops = KafkaFlag()
            let firstRuns = Task { try await kafkaProcess(first, into: projection, member: 1) { firstStops.isSet } }
            try await kafkaEventually("the first member processing") { projection.applied(by: 1) >= 150 }

            // A second member joins (a second process): the group rebalances while records flow.
            let second = try await log.consumer(subscription)
            let secondRuns = Task { try await kafkaProcess(second, into: projection, member: 2) { projection.appliedCount >= events.count } }
            try await kafkaEventually("the second member processing", within: 30) { projection.applied(by: 2) >= 50 }
            #expect(await first.assignment().count + second.assignment().count == 6)
            let processedBeforeLeaving = projection.applied(by: 1)
            #expect(processedBeforeLeaving > 150, "the first member stopped processing after the second joined")

            // The first member leaves: it stops, then closes. Its loop may be waiting in `nextBatch` for
            // records that all went to the second member; cancelling the task ends that wait.
            firstStops.set()
            firstRuns.cancel()
            let firstFailures = try await kafkaWithin(30, "the first member to stop") { try await firstRuns.value }
            await first.close()
            try await kafkaWithin(40, "all records appended and processed") {
                try await appending.value
                try await kafkaEventually("every record processed", within: 40) { projection.appliedCount >= events.count }
            }
            // The group's last rebalance (after the first member left) may end after the last record.
            try await kafkaEventually("the second member to own every partition") { await second.assignment().count == 6 }
            await second.close()
            let secondFailures = try await secondRuns.value

            #expect(projection.appliedIds == Set(events.map(\.id)), "records skipped")
            #expect(projection.redeliveries.isEmpty, "processed twice: \(projection.redeliveries.prefix(5))")
            #expect(projection.outOfOrder.isEmpty, "out of order: \(projection.outOfOrder.prefix(5))")
            #expect(firstFailures.isEmpty && secondFailures.isEmpty, "commits failed: \(firstFailures + secondFailures)")
            #expect(projection.applied(by: 2) > 50)
            await log.shutdown()
        }

        @Test("a member closed while waiting for records hands its partitions over without loss")
        func closeWhileWaiting() async throws {
            let bed = try KafkaTestBed(sessionTimeoutMilliseconds: 4000)
            let log = bed.log
            try await log.ensureTopic(TopicSpec(name: "handover", partitions: 4))
            let events = KafkaTestEvent.stream(keys: 8, perKey: 10, prefix: "h")
            _ = try await log.append(events.prefix(40).map { $0.record("handover") })
            let projection = KafkaTestProjection()
            let subscription = Subscription(group: "handover", topics: ["handover"])
            let first = try await log.consumer(subscription)
            let firstRuns = Task { try await kafkaProcess(first, into: projection, member: 1) { false } }
            try await kafkaEventually("40 records processed") { projection.appliedCount >= 40 }
            // Blocked in nextBatch: close ends its loop.
            await first.close()
            #expect(try await firstRuns.value.isEmpty)

            _ = try await log.append(events.dropFirst(40).map { $0.record("handover") })
            let second = try await log.consumer(subscription)
            let secondRuns = Task { try await kafkaProcess(second, into: projection, member: 2) { projection.appliedCount >= events.count } }
            try await kafkaEventually("80 records processed") { projection.appliedCount >= events.count }
            await second.close()
            _ = try await secondRuns.value
            #expect(projection.redeliveries.isEmpty)
            #expect(projection.outOfOrder.isEmpty)
            #expect(projection.applied(by: 2) == 40)
            await log.shutdown()
        }
    }
}
