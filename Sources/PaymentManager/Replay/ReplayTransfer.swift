import Connector
import EventLog
import FSPIOP
import Foundation
import PMCore
import PaymentDomain
import Processing

/// `pm replay transfer ID`: one transfer's history read from the log (every event of its aggregate, the facts
/// that caused them and the outcomes of their effects), its state at a time, and each signed message from the
/// hub verified again with the keys given, as evidence of who sent what.
public enum ReplayTransfer {
    public struct Entry: Sendable {
        public var kind: String
        public var type: String
        public var id: String
        public var occurredAt: Timestamp
        public var position: RecordPosition
        public var payload: JSONValue
        /// For a signed message from the hub: whether its signature verifies with the sender's key (and why not).
        public var signature: String?
    }

    public struct History: Sendable {
        public var transferId: String
        public var direction: String
        public var aggregateId: String
        public var entries: [Entry]
        /// The aggregate's phase after the events up to the time asked (all of them without one).
        public var phase: String
        public var state: String?
        public var at: Timestamp?
        /// Records of the topics read that this build cannot decode (not shown; a transfer's may be among them).
        public var unreadable: Int
    }

    public struct NotFound: Error, CustomStringConvertible {
        public let id: String
        public var description: String { "no transfer \(id) on the log" }
    }

    /// `keys`: JWS verification keys by FSP id (nil: signatures are not verified).
    public static func run(log: any EventLog, topics: ConnectorTopics = ConnectorTopics(), transferId: String, at: Timestamp?,
                           keys: [String: VerificationKey]?) async throws -> History {
        var events: [(Envelope, ConsumerRecord)] = []
        var aggregate: (kind: AggregateKind, id: String)?
        var all: [(Envelope, ConsumerRecord, DomainEvent)] = []
        var unreadable = 0
        try await ReplayVerification.readAll(log, topics.transfers) { record in
            guard let envelope = try? Envelope(bytes: record.value), let event = try? DomainEvent(envelope: envelope) else {
                unreadable += 1
                return
            }
            switch event {
            case .outbound(let id, _) where id == transferId: aggregate = (.outbound, id)
            case let .inbound(id, .prepareAccepted(prepare)) where prepare.transferId == transferId: aggregate = (.inbound, id)
            case let .inbound(id, _) where id == transferId: aggregate = aggregate ?? (.inbound, id)
            default: break
            }
            all.append((envelope, record, event))
        }
        guard let aggregate else { throw NotFound(id: transferId) }
        var store = AggregateStore()
        for (envelope, record, event) in all where event.ref == AggregateRef(aggregate.kind, aggregate.id) {
            events.append((envelope, record))
            if at.map({ envelope.occurredAt <= $0 }) ?? true { store.apply(event, causation: envelope.causationID, at: envelope.occurredAt) }
        }
        let eventIds = Set(events.map { $0.0.id })
        let causes = Set(events.compactMap { $0.0.causationID })
        var facts: [String: (Envelope, ConsumerRecord)] = [:]
        var outcomes: [String: [(Envelope, ConsumerRecord)]] = [:]
        for topic in topics.factTopics + [topics.fspiopOutbound] {
            try await ReplayVerification.readAll(log, topic) { record in
                guard let envelope = try? Envelope(bytes: record.value) else {
                    unreadable += 1
                    return
                }
                if causes.contains(envelope.id) { facts[envelope.id] = (envelope, record) }
                if let cause = envelope.causationID, eventIds.contains(cause) { outcomes[cause, default: []].append((envelope, record)) }
            }
        }
        let validator = keys.map { JWSValidator(keys: $0, acceptReserialisedBody: true) }
        func entry(_ kind: String, _ envelope: Envelope, _ record: ConsumerRecord) -> Entry {
            Entry(kind: kind, type: envelope.type, id: envelope.id, occurredAt: envelope.occurredAt, position: record.position,
                  payload: envelope.payload, signature: validator.flatMap { verify(envelope, with: $0) })
        }
        var entries: [Entry] = []
        var shown: Set<String> = []
        for (envelope, record) in events {
            if let cause = envelope.causationID, let (fact, factRecord) = facts[cause], shown.insert(cause).inserted {
                entries.append(entry("fact", fact, factRecord))
            }
            entries.append(entry("event", envelope, record))
            for (outcome, outcomeRecord) in outcomes[envelope.id] ?? [] where shown.insert(outcome.id).inserted {
                entries.append(entry("fact", outcome, outcomeRecord))
            }
        }
        let phase: String
        let state: String?
        switch aggregate.kind {
        case .outbound:
            phase = store.outbound[aggregate.id]?.phase.rawValue ?? "new"
            state = store.outbound[aggregate.id]?.phase.sdkState
        default:
            phase = store.inbound[aggregate.id]?.phase.rawValue ?? "new"
            state = store.inbound[aggregate.id]?.phase.sdkState
        }
        return History(transferId: transferId, direction: aggregate.kind == .outbound ? "OUTBOUND" : "INBOUND", aggregateId: aggregate.id,
                       entries: entries, phase: phase, state: state, at: at, unreadable: unreadable)
    }

    /// Verifies a recorded `fspiop.received` message's signature again: its protected header against the
    /// recorded method, path and sender, and the signature over its body (as recorded, in compact JSON).
    static func verify(_ envelope: Envelope, with validator: JWSValidator) -> String? {
        guard envelope.type == "fspiop.received", let signature = envelope.payload["signature"]?.stringValue else { return nil }
        guard let source = envelope.payload["source"]?.stringValue, let method = envelope.payload["method"]?.stringValue,
              let path = envelope.payload["path"]?.stringValue, let body = envelope.payload["body"] else { return "not verifiable: incomplete record" }
        let fields: HeaderFields
        if let recorded = envelope.payload["headers"].flatMap(HeaderFields.init(json:)) {
            // Records of version 2 keep the headers as received: the signature is checked against them.
            fields = recorded
        } else {
            var headers: [(String, String)] = [(FSPIOPHeader.source, source), (FSPIOPHeader.uri, path), (FSPIOPHeader.httpMethod, method),
                                               (FSPIOPHeader.signature, signature)]
            if let destination = envelope.payload["destination"]?.stringValue { headers.append((FSPIOPHeader.destination, destination)) }
            // Records of version 1 kept no Date header; the protected header carries the one that was signed.
            if let parsed = try? FSPIOPSignature(headerValue: signature), let bytes = Base64.urlDecoded(parsed.protectedHeader),
               let protected = try? JSONParser.parse(bytes), let date = protected["Date"]?.stringValue {
                headers.append((FSPIOPHeader.date, date))
            }
            fields = HeaderFields(headers)
        }
        do {
            try validator.validate(body: CanonicalJSON.insertionOrderBytes(body), headers: fields)
            return "verified: signed by \(source)"
        } catch {
            return "NOT VERIFIED: \(error)"
        }
    }
}
