import FSPIOP

/// A request the connector relays to the hub with the callback that answers it: `POST /quotes` and
/// `POST /simpleTransfers` of the outbound API (the core's own FSPIOP body; the SDK's Async2Sync
/// `QuotesModel` and `TransfersModel`), and `POST /bulkQuotes` and `POST /bulkTransfers` (the FSPIOP
/// body made from the core's; the SDK's `OutboundBulkQuotesModel` and `OutboundBulkTransfersModel`). The connector adds the FSPIOP headers and the signature and
/// correlates the callback by the id in the body; it keeps no business state beyond that.
///
/// Keyed by ``RelayedRequest/key(_:_:)``: the resource and the id, so that a quote and a transfer may
/// share an id.
public struct RelayedRequest: Sendable, Hashable {
    /// The FSPIOP resources the outbound API relays.
    public enum Resource: String, Sendable, Hashable, Codable, CaseIterable {
        case quotes
        case transfers
        case bulkQuotes
        case bulkTransfers

        /// The member of the body that carries the resource's id.
        public var idMember: String {
            switch self {
            case .quotes: return "quoteId"
            case .transfers: return "transferId"
            case .bulkQuotes: return "bulkQuoteId"
            case .bulkTransfers: return "bulkTransferId"
            }
        }
    }

    public enum Phase: String, Sendable, Hashable {
        case new
        /// The request is on its way or waiting for its callback.
        case sent
        /// The callback came: `PUT /{resource}/{id}` or `PUT /{resource}/{id}/error`.
        case answered
        /// No callback: the hub refused the request, or the wait ended.
        case failed

        public var isTerminal: Bool { self == .answered || self == .failed }
    }

    public var key: String
    public var resource: Resource?
    public var id: String?
    public var destination: String?
    public var request: JSONValue?
    public var phase: Phase = .new
    /// The callback's body (a success, or an `errorInformation` object) and who sent it.
    public var answer: JSONValue?
    public var answerSource: String?
    /// Why there is no callback.
    public var error: ErrorInformationObject?
    public var deadline: Timestamp?
    public var version: Int64 = 0

    public init(key: String) { self.key = key }

    public static func key(_ resource: Resource, _ id: String) -> String { "\(resource.rawValue)/\(id)" }

    /// The outbound API's `async2SyncCurrentState`.
    public var sdkState: String {
        switch phase {
        case .new, .sent: return "WAITING_FOR_ACTION"
        case .answered: return "COMPLETED"
        case .failed: return "ERROR_OCCURRED"
        }
    }
}

public enum RelayedRequestFact: Sendable, Hashable {
    /// The core asked for `body` to be sent to `destination`.
    case requested(RelayedRequest.Resource, id: String, destination: String, body: JSONValue)
    /// The callback `PUT /{resource}/{id}` (or `/error`, then `body` is the `errorInformation` object).
    case answered(body: JSONValue, source: String)
    /// The hub refused the request (or it could not be delivered).
    case hubRequestFailed(ErrorInformationObject)
    case deadlinePassed(Timestamp)
}

public enum RelayedRequestEvent: Sendable, Hashable {
    /// Effect: `POST /{resource}` to the hub with `body`, for `destination`.
    case sent(RelayedRequest.Resource, id: String, destination: String, body: JSONValue, deadline: Timestamp)
    case answered(body: JSONValue, source: String)
    case failed(ErrorInformationObject)

    public var wireName: String {
        switch self {
        case .sent: return "relayed.sent"
        case .answered: return "relayed.answered"
        case .failed: return "relayed.failed"
        }
    }

    public static let wireNames = ["relayed.sent", "relayed.answered", "relayed.failed"]
}

extension RelayedRequest {
    /// The events a fact causes. A second request with the same id is refused; a callback that comes
    /// when nothing waits (a duplicate, or one after the wait ended) causes none.
    public func decide(_ fact: RelayedRequestFact, now: Timestamp, timeoutMilliseconds: Int64) throws(FSPIOPError) -> [RelayedRequestEvent] {
        switch fact {
        case let .requested(resource, id, destination, body):
            guard phase == .new else {
                throw FSPIOPError(.clientError, "\(resource.idMember) \(id) was already used for a request (it is \(sdkState))")
            }
            return [.sent(resource, id: id, destination: destination, body: body, deadline: now.adding(milliseconds: timeoutMilliseconds))]
        case let .answered(body, source):
            guard phase == .sent else { return [] }
            return [.answered(body: body, source: source)]
        case let .hubRequestFailed(error):
            guard phase == .sent else { return [] }
            return [.failed(error)]
        case let .deadlinePassed(time):
            guard phase == .sent, let deadline, time >= deadline else { return [] }
            let path = "/\(resource?.rawValue ?? "")/\(id ?? "")"
            return [.failed(FSPIOPError(.serverTimedOut, "no callback for POST \(path) in time").errorInformation)]
        }
    }

    public func evolve(_ event: RelayedRequestEvent) -> RelayedRequest {
        var next = self
        next.version += 1
        switch event {
        case let .sent(resource, id, destination, body, deadline):
            next.resource = resource
            next.id = id
            next.destination = destination
            next.request = body
            next.deadline = deadline
            next.phase = .sent
        case let .answered(body, source):
            next.answer = body
            next.answerSource = source
            next.deadline = nil
            next.phase = .answered
        case let .failed(error):
            next.error = error
            next.deadline = nil
            next.phase = .failed
        }
        return next
    }

    /// The event's payload (`schemas/events/<wireName>.v1.schema.json`).
    public static func payload(_ event: RelayedRequestEvent) throws -> JSONValue {
        switch event {
        case let .sent(resource, id, destination, body, deadline):
            return .object([("resource", .string(resource.rawValue)), ("id", .string(id)), ("destination", .string(destination)),
                            ("body", body), ("deadline", .string(deadline.dateTime))])
        case let .answered(body, source):
            return .object([("body", body), ("source", .string(source))])
        case let .failed(error):
            return .object([("error", try JSONValueEncoder.encode(error))])
        }
    }

    /// The event of this wire type with this payload.
    public static func event(wireName: String, payload: JSONValue) throws(EventDecodingFailure) -> RelayedRequestEvent {
        let reader = EventPayload(wireName: wireName, payload: payload)
        switch wireName {
        case "relayed.sent":
            guard let resource = Resource(rawValue: try reader.string("resource")) else {
                throw EventDecodingFailure("\(wireName): 'resource' must be quotes, transfers, bulkQuotes or bulkTransfers")
            }
            guard let body = payload["body"] else { throw EventDecodingFailure("\(wireName): 'body' is missing") }
            return .sent(resource, id: try reader.string("id"), destination: try reader.string("destination"), body: body,
                         deadline: try reader.timestamp("deadline"))
        case "relayed.answered":
            guard let body = payload["body"] else { throw EventDecodingFailure("\(wireName): 'body' is missing") }
            return .answered(body: body, source: try reader.string("source"))
        case "relayed.failed":
            return .failed(try reader.decode(ErrorInformationObject.self, "error"))
        default: throw EventDecodingFailure("unknown relayed request event '\(wireName)'")
        }
    }
}
