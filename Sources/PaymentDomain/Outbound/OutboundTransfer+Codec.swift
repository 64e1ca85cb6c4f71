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
            case let .paymentRequested(payment, autoAcceptQuote):
                return .object([("request", try JSONValueEncoder.encode(payment)), ("autoAcceptQuote", .bool(autoAcceptQuote))])
            case let .authorizationRequested(query, deadline):
                return .object([("query", try JSONValueEncoder.encode(query)), ("deadline", .string(deadline.dateTime))])
            case let .authorizationReceived(response):
                return .object([("authorizationResponse", try JSONValueEncoder.encode(response))])
            case .authorizationAccepted:
                return .object([])
            case let .paymentRequestRejected(reason):
                return .object([("reason", .string(reason))])
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

    /// The event of this wire type with this payload (the current schema version).
    public init(wireName: String, payload: JSONValue) throws(EventDecodingFailure) {
        let reader = EventPayload(wireName: wireName, payload: payload)
        switch wireName {
        case "transfer.outbound.requested":
            self = .requested(try reader.decode(OutboundTransferRequest.self, "request"), autoAcceptParty: try reader.bool("autoAcceptParty"),
                              autoAcceptQuote: try reader.bool("autoAcceptQuote"))
        case "transfer.outbound.r2p-requested":
            self = .paymentRequested(try reader.decode(RequestToPayTransferRequest.self, "request"), autoAcceptQuote: try reader.bool("autoAcceptQuote"))
        case "transfer.outbound.authorization-requested":
            self = .authorizationRequested(try reader.decode(AuthorizationsIDGetQuery.self, "query"), deadline: try reader.timestamp("deadline"))
        case "transfer.outbound.authorization-received":
            self = .authorizationReceived(try reader.decode(AuthorizationsIDPutResponse.self, "authorizationResponse"))
        case "transfer.outbound.authorization-accepted": self = .authorizationAccepted
        case "transfer.outbound.r2p-rejected": self = .paymentRequestRejected(reason: try reader.string("reason"))
        case "transfer.outbound.party-lookup-started":
            self = .partyLookupStarted(try reader.decode(PartyIdInfo.self, "partyIdInfo"), deadline: try reader.timestamp("deadline"))
        case "transfer.outbound.party-resolved": self = .partyResolved(try reader.decode(Party.self, "party"))
        case "transfer.outbound.party-accepted": self = .partyAccepted
        case "transfer.outbound.quote-requested":
            self = .quoteRequested(try reader.decode(QuotesPostRequest.self, "quoteRequest"), deadline: try reader.timestamp("deadline"))
        case "transfer.outbound.quote-received":
            self = .quoteReceived(try reader.decode(QuotesIDPutResponse.self, "quoteResponse"), source: try reader.string("source"))
        case "transfer.outbound.quote-accepted": self = .quoteAccepted
        case "transfer.outbound.prepare-sent":
            self = .prepareSent(try reader.decode(TransfersPostRequest.self, "prepare"), deadline: try reader.timestamp("deadline"))
        case "transfer.outbound.status-requested":
            self = .statusRequested(attempt: try reader.integer("attempt", in: 0...1_000_000), deadline: try reader.timestamp("deadline"))
        case "transfer.outbound.fulfilled": self = .fulfilled(try reader.decode(TransfersIDPutResponse.self, "fulfil"))
        case "transfer.outbound.aborted": self = .aborted(reason: try reader.string("reason"))
        case "transfer.outbound.failed": self = .failed(try reader.decode(TransferError.self, "lastError"))
        default: throw EventDecodingFailure("unknown outbound transfer event '\(wireName)'")
        }
    }
}
