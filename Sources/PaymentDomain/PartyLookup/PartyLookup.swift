import FSPIOP

/// One party's lookup, shared by every transfer waiting for that party: one `GET /parties` in flight
/// at a time, whatever the number of transfers to the same payee (the SDK shares a Redis channel per
/// party for the same reason). Keyed by ``PartyLookup/key(for:)``.
///
/// The callback `PUT /parties/{Type}/{ID}[/{SubId}]` names the party, not a transfer: this aggregate is
/// the correlation from the party to the transfers waiting for it, kept as state derived from events.
public struct PartyLookup: Sendable, Hashable {
    public var key: String
    public var partyIdInfo: PartyIdInfo?
    /// Transfers waiting for the answer, in the order they asked.
    public var waiting: [String] = []
    /// When the lookup in flight gives up; nil when none is in flight.
    public var deadline: Timestamp?
    public var version: Int64 = 0

    public init(key: String) { self.key = key }

    public var inFlight: Bool { deadline != nil }

    /// The aggregate id of a party's lookup: `Type/ID[/SubId]`, as the FSPIOP path names it.
    public static func key(for party: PartyIdInfo) -> String {
        var key = "\(party.partyIdType)/\(party.partyIdentifier)"
        if let sub = party.partySubIdOrType, !sub.isEmpty { key += "/\(sub)" }
        return key
    }
}

public enum PartyLookupFact: Sendable, Hashable {
    /// A transfer needs this party.
    case requested(transferId: String, party: PartyIdInfo)
    /// `PUT /parties/{Type}/{ID}[/{SubId}]`.
    case resolved(Party)
    /// `PUT /parties/.../error`, or the request could not be delivered.
    case failed(ErrorInformationObject)
    /// The clock reached this time.
    case deadlinePassed(Timestamp)
}

public enum PartyLookupEvent: Sendable, Hashable {
    /// Effect: `GET /parties/{Type}/{ID}[/{SubId}]`.
    case started(PartyIdInfo, deadline: Timestamp)
    case joined(transferId: String)
    /// The answer, for every waiting transfer (the processor hands it to each of them).
    case resolved(Party, transfers: [String])
    /// The error, for every waiting transfer.
    case failed(ErrorInformationObject, transfers: [String])

    public var wireName: String {
        switch self {
        case .started: return "party.lookup-started"
        case .joined: return "party.lookup-joined"
        case .resolved: return "party.resolved"
        case .failed: return "party.lookup-failed"
        }
    }

    public static let wireNames = ["party.lookup-started", "party.lookup-joined", "party.resolved", "party.lookup-failed"]
}

extension PartyLookup {
    /// The events a fact causes. Answers that come when nothing waits (a second `PUT /parties`, or one
    /// after a timeout) cause none.
    public func decide(_ fact: PartyLookupFact, now: Timestamp, timeoutMilliseconds: Int64) -> [PartyLookupEvent] {
        switch fact {
        case let .requested(transferId, party):
            if waiting.contains(transferId) { return [] }
            if inFlight { return [.joined(transferId: transferId)] }
            return [.started(party, deadline: now.adding(milliseconds: timeoutMilliseconds)), .joined(transferId: transferId)]
        case let .resolved(party):
            guard inFlight else { return [] }
            return [.resolved(party, transfers: waiting)]
        case let .failed(error):
            guard inFlight else { return [] }
            return [.failed(error, transfers: waiting)]
        case let .deadlinePassed(time):
            guard let deadline, time >= deadline else { return [] }
            return [.failed(FSPIOPError(.serverTimedOut, "no answer to GET /parties/\(key) in time").errorInformation, transfers: waiting)]
        }
    }

    public func evolve(_ event: PartyLookupEvent) -> PartyLookup {
        var next = self
        next.version += 1
        switch event {
        case let .started(party, deadline):
            next.partyIdInfo = party
            next.deadline = deadline
        case let .joined(transferId):
            next.waiting.append(transferId)
        case .resolved, .failed:
            next.waiting = []
            next.deadline = nil
        }
        return next
    }

    /// The event's payload (`schemas/events/<wireName>.v1.schema.json`).
    public static func payload(_ event: PartyLookupEvent) throws -> JSONValue {
        switch event {
        case let .started(party, deadline):
            return .object([("partyIdInfo", try JSONValueEncoder.encode(party)), ("deadline", .string(deadline.dateTime))])
        case let .joined(transferId):
            return .object([("transferId", .string(transferId))])
        case let .resolved(party, transfers):
            return .object([("party", try JSONValueEncoder.encode(party)), ("transfers", .array(transfers.map { .string($0) }))])
        case let .failed(error, transfers):
            return .object([("error", try JSONValueEncoder.encode(error)), ("transfers", .array(transfers.map { .string($0) }))])
        }
    }

    /// The event of this wire type with this payload.
    public static func event(wireName: String, payload: JSONValue) throws(EventDecodingFailure) -> PartyLookupEvent {
        let reader = EventPayload(wireName: wireName, payload: payload)
        switch wireName {
        case "party.lookup-started":
            return .started(try reader.decode(PartyIdInfo.self, "partyIdInfo"), deadline: try reader.timestamp("deadline"))
        case "party.lookup-joined": return .joined(transferId: try reader.string("transferId"))
        case "party.resolved": return .resolved(try reader.decode(Party.self, "party"), transfers: try reader.decode([String].self, "transfers"))
        case "party.lookup-failed":
            return .failed(try reader.decode(ErrorInformationObject.self, "error"), transfers: try reader.decode([String].self, "transfers"))
        default: throw EventDecodingFailure("unknown party lookup event '\(wireName)'")
        }
    }
}
