import Connector
import EventLog
import PMCore
import PaymentDomain
import Processing

/// `pm replay verify`: reads the whole log, runs every recorded decision again from its recorded fact, and
/// compares the events with those recorded (``ReplayVerifier``).
public enum ReplayVerification {
    public struct Outcome: Sendable {
        public var facts: Int
        public var events: Int
        public var factsDecided: Int
        public var eventsCompared: Int
        /// Facts that are not facts this build reads (the processor dead-lettered them): not decided again.
        public var unreadableFacts: Int
        /// The first divergences, each with its topic, partition and offset.
        public var divergences: [String]
        public var moreDivergences: Int
        public var consistent: Bool { divergences.isEmpty }
    }

    /// Verifies the log against the decisions of a connector configured with `settings` (its DFSP id, ILP secret,
    /// auto-accept flags, expiries and hub id: what decisions depend on).
    public static func run(log: any EventLog, settings: ConnectorSettings) async throws -> Outcome {
        let topics = settings.topics
        var facts: [RecordedFact] = []
        var unreadable = 0
        for topic in topics.factTopics {
            try await readAll(log, topic) { record in
                guard let envelope = try? Envelope(bytes: record.value),
                      let fact = try? ConnectorFact(wireName: envelope.type, payload: envelope.payload) else {
                    unreadable += 1
                    return
                }
                facts.append(RecordedFact(id: envelope.id, fact: fact, occurredAt: envelope.occurredAt, position: position(record),
                                          appendedAt: record.timestamp))
            }
        }
        var events: [RecordedEvent] = []
        var failures: [String] = []
        try await readAll(log, topics.transfers) { record in
            do {
                let envelope = try Envelope(bytes: record.value)
                events.append(RecordedEvent(event: try DomainEvent(envelope: envelope), payload: envelope.payload, sequence: envelope.sequence,
                                            causationId: envelope.causationID, position: position(record)))
            } catch {
                failures.append("\(record.position): an event this build cannot read: \(error)")
            }
        }
        let router = FactRouter(outboundConfiguration: settings.outbound, inboundConfiguration: settings.inbound, hubId: settings.hubId)
        let report = ReplayVerifier(router: router).verify(facts: facts, events: events)
        return Outcome(facts: facts.count, events: events.count, factsDecided: report.factsDecided, eventsCompared: report.eventsCompared,
                       unreadableFacts: unreadable, divergences: failures + report.divergences.map(\.description),
                       moreDivergences: report.moreDivergences)
    }

    static func position(_ record: ConsumerRecord) -> ReplayPosition {
        ReplayPosition(topic: record.topic, partition: record.partition, offset: record.offset)
    }

    /// Every record of a topic, partition by partition in offset order.
    static func readAll(_ log: any EventLog, _ topic: String, _ body: (ConsumerRecord) throws -> Void) async throws {
        for description in try await log.describeTopics() where description.name == topic {
            for partition in description.partitions {
                var next = partition.startOffset
                while next < partition.endOffset {
                    let records = try await log.read(ReadRequest(topic: topic, partition: partition.partition, start: .offset(next), limit: 5000))
                    guard let last = records.last else { break }
                    for record in records { try body(record) }
                    next = last.offset + 1
                }
            }
        }
    }
}
