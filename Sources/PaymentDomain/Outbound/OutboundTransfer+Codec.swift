import Foundation
import FSPIOP

extension OutboundTransferEvent {
    /// The event's payload as the JSON its schema describes (`schemas/events/<wireName>.v1.schema.json`).
    public var payload: JSONValue {
        get throws {
            switch self {
            case let .requested(request, autoAcceptParty, autoAcceptQuote):
                return .object([("request", try JSONValueEncoder.encode(request)),
                                ("autoAcceptParty", .bool(autoAcceptParty)), ("autoAcceptQuote", .bool(autoAcceptQuote))])
            case let .partyLookupStarted(party, deadline):
                return .object([("partyIdInfo", try JSONValueEncoder.encode(party)), ("deadline", .string(deadline.dateTime))])
            case let .partyResolved(party):
                return .object([("party", try JSONValueEncoder.encode(party))])
            case .partyAccepted, .quoteAccepted:
                return .object([])
            case let .quoteRequested(quote, deadline):
                return .object([("quoteRequest", try JSONValueEncoder.encode(quote)), ("deadline", .string(deadline.dateTime))])
            case let .quoteReceived(response, source):
                return .object([("quoteResponse", try JSONValueEncoder.encode(response)), ("source", .string(source))])
            case let .prepareSent(prepare, deadline):
                return .object([("prepare", try JSONValueEncoder.encode(prepare)), ("deadline", .string(deadline.dateTime))])
            case let .statusRequested(attempt, deadline):
                return .object([("attempt", .number(String(attempt))), ("deadline", .string(deadline.dateTime))])
            case let .fulfilled(fulfil):
                return .object([("fulfil", try JSONValueEncoder.encode(fulfil))])
            case let .aborted(reason):
                return .object([("reason", .string(reason))])
            case let .failed(error):
                return .object([("lastError", try JSONValueEncoder.encode(error))])
            }
        }
    }

    /// Why a payload does not make an event.
    public struct DecodingFailure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The event of this wire type with this payload (the current schema version).
    public init(wireName: String, payload: JSONValue) throws(DecodingFailure) {
        func decode<T: Decodable>(_ type: T.Type, _ member: String) throws(DecodingFailure) -> T {
            guard let value = payload[member] else { throw DecodingFailure(description: "\(wireName): '\(member)' is missing") }
            do {
                return try JSONDecoder().decode(T.self, from: Data(CanonicalJSON.insertionOrderBytes(value)))
            } catch {
                throw DecodingFailure(description: "\(wireName): '\(member)': \(error)")
            }
        }
        func deadline() throws(DecodingFailure) -> Timestamp {
            guard let text = payload["deadline"]?.stringValue, let time = Timestamp(dateTime: text) else {
                throw DecodingFailure(description: "\(wireName): 'deadline' must be a DateTime")
            }
            return time
        }
        func string(_ member: String) throws(DecodingFailure) -> String {
            guard let text = payload[member]?.stringValue else { throw DecodingFailure(description: "\(wireName): '\(member)' must be a string") }
            return text
        }
        func bool(_ member: String) throws(DecodingFailure) -> Bool {
            guard case let .bool(flag)? = payload[member] else { throw DecodingFailure(description: "\(wireName): '\(member)' must be a boolean") }
            return flag
        }
        switch wireName {
        case "transfer.outbound.requested":
            self = .requested(try decode(OutboundTransferRequest.self, "request"), autoAcceptParty: try bool("autoAcceptParty"),
                              autoAcceptQuote: try bool("autoAcceptQuote"))
        case "transfer.outbound.party-lookup-started":
            self = .partyLookupStarted(try decode(PartyIdInfo.self, "partyIdInfo"), deadline: try deadline())
        case "transfer.outbound.party-resolved": self = .partyResolved(try decode(Party.self, "party"))
        case "transfer.outbound.party-accepted": self = .partyAccepted
        case "transfer.outbound.quote-requested":
            self = .quoteRequested(try decode(QuotesPostRequest.self, "quoteRequest"), deadline: try deadline())
        case "transfer.outbound.quote-received":
            self = .quoteReceived(try decode(QuotesIDPutResponse.self, "quoteResponse"), source: try string("source"))
        case "transfer.outbound.quote-accepted": self = .quoteAccepted
        case "transfer.outbound.prepare-sent":
            self = .prepareSent(try decode(TransfersPostRequest.self, "prepare"), deadline: try deadline())
        case "transfer.outbound.status-requested":
            guard case let .number(text)? = payload["attempt"], let attempt = Int(text) else {
                throw DecodingFailure(description: "\(wireName): 'attempt' must be an integer")
            }
            self = .statusRequested(attempt: attempt, deadline: try deadline())
        case "transfer.outbound.fulfilled": self = .fulfilled(try decode(TransfersIDPutResponse.self, "fulfil"))
        case "transfer.outbound.aborted": self = .aborted(reason: try string("reason"))
        case "transfer.outbound.failed": self = .failed(try decode(TransferError.self, "lastError"))
        default: throw DecodingFailure(description: "unknown outbound transfer event '\(wireName)'")
        }
    }
}
