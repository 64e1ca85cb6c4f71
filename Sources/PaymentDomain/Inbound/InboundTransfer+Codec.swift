import FSPIOP

extension InboundTransferEvent {
    /// Every wire name, for the schema registry.
    public static let wireNames = [
        "transfer.inbound.quote-request-received", "transfer.inbound.quote-sent", "transfer.inbound.quote-rejected",
        "transfer.inbound.prepare-accepted", "transfer.inbound.prepare-rejected", "transfer.inbound.fulfil-sent",
        "transfer.inbound.transfer-rejected", "transfer.inbound.outcome-notified", "transfer.inbound.status-requested",
    ]

    /// The event's payload as its schema describes it (`schemas/events/<wireName>.v1.schema.json`).
    public var payload: JSONValue {
        get throws {
            switch self {
            case let .quoteRequestReceived(request, source):
                return .object([("quoteRequest", try JSONValueEncoder.encode(request)), ("source", .string(source))])
            case let .quoteSent(response):
                return .object([("quoteResponse", try JSONValueEncoder.encode(response))])
            case let .quoteRejected(error), let .transferRejected(error):
                return .object([("error", try JSONValueEncoder.encode(error))])
            case let .prepareAccepted(prepare):
                return .object([("prepare", try JSONValueEncoder.encode(prepare))])
            case let .prepareRejected(prepare, error):
                return .object([("prepare", try JSONValueEncoder.encode(prepare)), ("error", try JSONValueEncoder.encode(error))])
            case let .fulfilSent(fulfil, homeTransactionId, deadline):
                var members: [(String, JSONValue)] = [("fulfil", try JSONValueEncoder.encode(fulfil))]
                if let homeTransactionId { members.append(("homeTransactionId", .string(homeTransactionId))) }
                if let deadline { members.append(("deadline", .string(deadline.dateTime))) }
                return .object(members)
            case let .statusRequested(attempt, deadline):
                return .object([("attempt", .number(String(attempt))), ("deadline", .string(deadline.dateTime))])
            case let .outcomeNotified(notification):
                return .object([("notification", try JSONValueEncoder.encode(notification))])
            }
        }
    }

    /// The event of this wire type with this payload (the current schema version).
    public init(wireName: String, payload: JSONValue) throws(EventDecodingFailure) {
        let reader = EventPayload(wireName: wireName, payload: payload)
        switch wireName {
        case "transfer.inbound.quote-request-received":
            self = .quoteRequestReceived(try reader.decode(QuotesPostRequest.self, "quoteRequest"), source: try reader.string("source"))
        case "transfer.inbound.quote-sent": self = .quoteSent(try reader.decode(QuotesIDPutResponse.self, "quoteResponse"))
        case "transfer.inbound.quote-rejected": self = .quoteRejected(try reader.decode(ErrorInformationObject.self, "error"))
        case "transfer.inbound.prepare-accepted": self = .prepareAccepted(try reader.decode(TransfersPostRequest.self, "prepare"))
        case "transfer.inbound.prepare-rejected":
            self = .prepareRejected(try reader.decode(TransfersPostRequest.self, "prepare"), try reader.decode(ErrorInformationObject.self, "error"))
        case "transfer.inbound.fulfil-sent":
            let deadline: Timestamp? = payload["deadline"] == nil ? nil : try reader.timestamp("deadline")
            self = .fulfilSent(try reader.decode(TransfersIDPutResponse.self, "fulfil"), homeTransactionId: try reader.optional(String.self, "homeTransactionId"),
                               deadline: deadline)
        case "transfer.inbound.status-requested":
            self = .statusRequested(attempt: try reader.integer("attempt", in: 0...1_000_000), deadline: try reader.timestamp("deadline"))
        case "transfer.inbound.transfer-rejected": self = .transferRejected(try reader.decode(ErrorInformationObject.self, "error"))
        case "transfer.inbound.outcome-notified": self = .outcomeNotified(try reader.decode(TransfersIDPatchResponse.self, "notification"))
        default: throw EventDecodingFailure("unknown inbound transfer event '\(wireName)'")
        }
    }
}
