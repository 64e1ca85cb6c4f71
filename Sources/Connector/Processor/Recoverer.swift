import EventLog
import FSPIOP
import Logging
import PaymentDomain
import Processing

/// What a start folded: from when (nil: the whole log) and how many events.
public struct Recovery: Sendable, Hashable {
    public var foldedFrom: Timestamp?
    public var eventsFolded = 0
}

/// How the processor gets its state back at start (DESIGN.md, "Data flow"): it folds `pm.transfers` into
/// the store and finds the effects whose outcome is not on the log, from the last checkpoint on.
///
/// A checkpoint (`processor.checkpoint` on `pm.checkpoints`) names the time of the first event of the
/// oldest aggregate then in memory. Every event before it belongs to an aggregate that was over and
/// evicted, and evicted aggregates are never folded back (a later fact about one finds it unknown, as it
/// did before the restart), so the restart reads from there, less a margin for a clock that stepped back,
/// instead of the whole history. Effects' outcomes come after the events that caused them, so the same
/// time bounds what is read of the outcome topics.
struct Recoverer: Sendable {
    let log: any EventLog
    let topics: ConnectorTopics
    let group: String
    let router: FactRouter
    let marginMilliseconds: Int64
    let logger: Logger

    static let checkpointType = "processor.checkpoint"

    /// Records that a restart may fold the log from the first event of the oldest aggregate in `store`, or
    /// of the oldest one with an effect still under way (`inFlightSince`: it may have been evicted), now
    /// when there is none. Call it only once everything decided so far is durable.
    func writeCheckpoint(_ store: AggregateStore, inFlightSince: Timestamp? = nil, now: Timestamp) async throws(LogError) {
        let foldFrom = min(store.oldestInMemory ?? now, inFlightSince ?? now, now)
        let payload: JSONValue = .object([("group", .string(group)), ("foldFrom", .string(foldFrom.dateTime))])
        let envelope = Envelope(id: IDs.make(), type: Self.checkpointType, schemaVersion: 1, aggregateID: group, sequence: 0,
                                occurredAt: now, correlationID: nil, causationID: nil, payload: payload)
        _ = try await log.append([envelope.record(topic: topics.checkpoints)])
    }

    /// The last checkpoint of this group: the time a restart may fold the log from.
    func lastCheckpoint() async throws -> Timestamp? {
        guard let partition = try await log.describeTopics().first(where: { $0.name == topics.checkpoints })?.partitions.first,
              partition.endOffset > partition.startOffset else { return nil }
        let start = max(partition.startOffset, partition.endOffset - 100)
        let records = try await log.read(ReadRequest(topic: topics.checkpoints, partition: partition.partition, start: .offset(start), limit: 100))
        for record in records.reversed() {
            guard let envelope = try? Envelope(bytes: record.value), envelope.type == Self.checkpointType,
                  envelope.payload["group"]?.stringValue == group,
                  let foldFrom = envelope.payload["foldFrom"]?.stringValue.flatMap(Timestamp.init(dateTime:)) else { continue }
            return foldFrom
        }
        return nil
    }

    /// The store folded from the last checkpoint (less the margin), and the effects to perform again.
    func recover() async throws -> (AggregateStore, [Processor.Work], Recovery) {
        var store = AggregateStore()
        var pending: [String: Processor.Work] = [:]
        var order: [String] = []
        let from = try await lastCheckpoint().map { $0.adding(milliseconds: -marginMilliseconds) }
        var folded = 0
        try await readAll(topics.transfers, from: from) { envelope in
            let event: DomainEvent
            do { event = try DomainEvent(envelope: envelope) } catch {
                logger.error("an event of pm.transfers cannot be read; its aggregate may be incomplete", metadata: ["id": "\(envelope.id)", "error": "\(error)"])
                return
            }
            // From a checkpoint, a later event of an aggregate not seen yet is the tail of one that started
            // before the window, ended and was evicted (the checkpoint is older than every aggregate in memory
            // and every effect under way): it is not folded back. One evicted and started again begins anew at 1.
            if from != nil, envelope.sequence > 1, store.version(of: event.ref) == 0 { return }
            folded += 1
            store.apply(event, causation: envelope.causationID, at: envelope.occurredAt)
            for effect in router.effects(of: event, store: store) where effect.isRecorded {
                pending[envelope.id] = Processor.Work(effect: effect, causation: envelope.id, correlation: envelope.correlationID,
                                                      since: store.firstEvent(of: event.ref))
                order.append(envelope.id)
            }
        }
        for topic in [topics.fspiopOutbound, topics.coreInbound] {
            try await readAll(topic, from: from) { envelope in
                if let causation = envelope.causationID { pending.removeValue(forKey: causation) }
            }
        }
        let work = order.compactMap { id -> Processor.Work? in
            guard let item = pending[id] else { return nil }
            // A payer transfer that ended, or a lookup no longer in flight, needs no more requests.
            if case let .hub(request, ref) = item.effect {
                if ref.kind == .outbound {
                    let phase = store.outbound[ref.id]?.phase
                    switch (request.method, request.resource) {
                    // The rejection of a request to pay is sent as the transfer ends: it must still reach the DFSP that asked.
                    case ("PUT", .transactionRequests): break
                    case ("GET", .authorizations): if phase != .requestingAuthorization { return nil }
                    default: if phase?.isTerminal ?? true { return nil }
                    }
                }
                if ref.kind == .party, !(store.lookups[ref.id]?.inFlight ?? false) { return nil }
                if ref.kind == .relayed, store.relayed[ref.id]?.phase != .sent { return nil }
                if ref.kind == .requestToPay, store.requestsToPay[ref.id]?.phase != .requestSent { return nil }
            }
            return item
        }
        return (store, work, Recovery(foldedFrom: from, eventsFolded: folded))
    }

    /// Reads every record of `topic` appended at or after `from` (all of them without it).
    func readAll(_ topic: String, from: Timestamp? = nil, _ body: (Envelope) -> Void) async throws {
        let partitions = try await log.describeTopics().first { $0.name == topic }?.partitions ?? []
        for partition in partitions {
            var next = partition.startOffset
            var start: ReadRequest.Start = from.map { .time($0.millisecondsSinceEpoch) } ?? .offset(next)
            while next < partition.endOffset {
                let records = try await log.read(ReadRequest(topic: topic, partition: partition.partition, start: start, limit: 2000))
                guard let last = records.last else { break }
                for record in records {
                    do { body(try Envelope(bytes: record.value)) } catch {
                        logger.error("a record cannot be read at recovery; it is skipped", metadata: [
                            "topic": "\(topic)", "position": "\(record.position)", "error": "\(error)"])
                    }
                }
                next = last.offset + 1
                start = .offset(next)
            }
        }
    }
}
