import FSPIOP
import Foundation
import PaymentDomain

/// Which aggregate a timer or an effect outcome is about.
public enum AggregateKind: String, Sendable, Hashable, Codable {
    /// The payer's transfer, by transfer id.
    case outbound
    /// The payee's transfer, by transaction id.
    case inbound
    /// A party lookup, by party key (`PartyLookup.key(for:)`).
    case party
    /// A request the core wrote and the connector relays, by `RelayedRequest.key(_:_:)`.
    case relayed
    /// A request to pay this DFSP sent for its customer, by transaction request id.
    case requestToPay
    /// A request to pay another DFSP sent to this one, by transaction request id.
    case transactionRequest
    /// A bulk quote another DFSP asked this one for, by bulk quote id.
    case bulkQuote
    /// A bulk transfer another DFSP sent to this one, by bulk transfer id.
    case bulkTransfer
}

/// An aggregate's kind and id.
public struct AggregateRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public var kind: AggregateKind
    public var id: String
    public init(_ kind: AggregateKind, _ id: String) {
        self.kind = kind
        self.id = id
    }
    public var description: String { "\(kind.rawValue):\(id)" }
}

/// A message received from the hub, as the inbound edge recorded it after its checks passed.
public struct HubMessage: Sendable, Hashable {
    public let method: String
    /// The request path (`/parties/MSISDN/123`, `/transfers/{id}/error`, ...).
    public let path: String
    /// The method and path read once, when the message is made (at the edge, or from the log); nil when they are not
    /// a route of the FSPIOP API.
    public let route: FSPIOPRoute?
    public var source: String
    public var destination: String?
    /// The FSPIOP version of the body (or of the Accept header for a GET).
    public var version: String
    /// The JWS signature header as received, for the audit trail.
    public var signature: String?
    /// The body as received (already checked against its schema), or nil for a GET.
    public var body: JSONValue?
    /// The request's headers as received, without those that carry credentials (nil in records of version 1).
    public var headers: HeaderFields?
    /// What the edge checked of the signature (nil in records of version 1).
    public var jws: JWSCheck?

    public init(method: String, path: String, source: String, destination: String?, version: String, signature: String?, body: JSONValue?,
                headers: HeaderFields? = nil, jws: JWSCheck? = nil) {
        self.method = method
        self.path = path
        route = FSPIOPRoute(method: method, path: path)
        self.source = source
        self.destination = destination
        self.version = version
        self.signature = signature
        self.body = body
        self.headers = headers
        self.jws = jws
    }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [("method", .string(method)), ("path", .string(path)), ("source", .string(source))]
        if let destination { members.append(("destination", .string(destination))) }
        members.append(("version", .string(version)))
        if let signature { members.append(("signature", .string(signature))) }
        if let headers { members.append(("headers", headers.json)) }
        if let jws { members.append(("jws", .string(jws.rawValue))) }
        if let body { members.append(("body", body)) }
        return .object(members)
    }

    /// Headers never recorded: they carry credentials, not FSPIOP facts.
    public static let unrecordedHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie"]
}

/// What the inbound edge checked of a message's JWS signature before recording it.
public enum JWSCheck: String, Sendable, Hashable, Codable {
    /// The signature was verified against the sender's key, with FSPIOP-URI and FSPIOP-HTTP-Method.
    case verified
    /// The message needs none: a GET, or a `PUT /parties` while their validation is off (as the SDK's default).
    case notRequired = "not-required"
    /// JWS validation is off on this connector.
    case validationOff = "validation-off"
}

extension HeaderFields {
    /// The fields as one JSON object, in their order (a name given twice keeps each value, joined by `, `).
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        var index: [String: Int] = [:]
        for field in fields {
            if let at = index[field.name], case let .string(first) = members[at].1 {
                members[at].1 = .string(first + ", " + field.value)
            } else {
                index[field.name] = members.count
                members.append((field.name, .string(field.value)))
            }
        }
        return .object(members)
    }

    /// The fields of a JSON object of strings, or nil when it is not one.
    public init?(json: JSONValue) {
        guard case let .object(members) = json else { return nil }
        var fields: [(String, String)] = []
        for (name, value) in members {
            guard case let .string(text) = value else { return nil }
            fields.append((name, text))
        }
        self.init(fields)
    }
}

/// A record of what an effect did: which request went where, with what, and how it ended.
public struct EffectOutcome: Sendable, Hashable {
    public var method: String
    public var url: String
    /// The HTTP status answered, or nil when nothing answered.
    public var status: Int?
    public var error: String?
    /// The headers sent (nil in records of version 1, and for calls to the core).
    public var headers: HeaderFields?
    /// The body sent, as signed (nil for a GET, in records of version 1, and for calls to the core).
    public var body: JSONValue?

    public init(method: String, url: String, status: Int?, error: String?, headers: HeaderFields? = nil, body: JSONValue? = nil) {
        self.method = method
        self.url = url
        self.status = status
        self.error = error
        self.headers = headers
        self.body = body
    }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [("method", .string(method)), ("url", .string(url))]
        if let status { members.append(("status", .number(String(status)))) }
        if let error { members.append(("error", .string(error))) }
        if let headers { members.append(("headers", headers.json)) }
        if let body { members.append(("body", body)) }
        return .object(members)
    }
}

/// What arrived at the connector: every record of `pm.fspiop.inbound` and `pm.core.inbound`, and the
/// effect outcomes of `pm.fspiop.outbound`. Facts are recorded before they are acted on; the processor
/// turns them into domain facts for the aggregates.
public enum ConnectorFact: Sendable, Hashable {
    /// A request or callback from the hub that passed the edge's checks.
    case hubMessage(HubMessage)
    /// A request from the hub that failed a check, with the error it was answered with (recorded, not processed).
    case hubMessageRejected(method: String, path: String, source: String?, error: ErrorInformationObject)
    /// `POST /transfers` of the outbound API.
    case transferRequested(transferId: String, request: OutboundTransferRequest, autoAcceptParty: Bool?, autoAcceptQuote: Bool?)
    /// `PUT /transfers/{id}` of the outbound API.
    case transferDecided(transferId: String, acceptParty: Bool?, acceptQuote: Bool?)
    /// `POST /requestToPayTransfer` of the outbound API, with the transfer id given to it.
    case paymentRequested(transferId: String, request: RequestToPayTransferRequest)
    /// `PUT /requestToPayTransfer/{ID}` of the outbound API (`acceptQuote` or `acceptOTP`), for the transfer paying it.
    case paymentDecided(transferId: String, acceptQuote: Bool?, acceptOTP: Bool?)
    /// `GET /parties/{Type}/{ID}[/{SubId}]` of the outbound API: a lookup on its own, answered to the caller.
    case partyLookupRequested(requestId: String, party: PartyIdInfo)
    /// `POST /quotes` or `POST /simpleTransfers` of the outbound API: the core's own FSPIOP body, to relay.
    case relayRequested(RelayedRequest.Resource, id: String, destination: String, body: JSONValue)
    /// `POST /requestToPay` of the outbound API, with the id given to it.
    case requestToPayRequested(transactionRequestId: String, request: RequestToPayRequest, autoAcceptParty: Bool?)
    /// `PUT /requestToPay/{ID}` of the outbound API.
    case requestToPayDecided(transactionRequestId: String, acceptParty: Bool)
    /// The core's answer to `POST /transactionrequests`.
    case transactionRequestAnswered(transactionRequestId: String, answer: BackendTransactionRequestResponse)
    /// The core refused the request to pay or could not be reached.
    case transactionRequestRefused(transactionRequestId: String, error: ErrorInformationObject)
    /// The core's answer to backend `POST /bulkQuotes`.
    case bulkQuoteAnswered(bulkQuoteId: String, answer: BackendBulkQuoteResponse)
    case bulkQuoteRefused(bulkQuoteId: String, error: ErrorInformationObject)
    /// The core's answer to backend `POST /bulkTransfers`.
    case bulkTransferAnswered(bulkTransferId: String, answer: BackendBulkTransferResponse)
    case bulkTransferRefused(bulkTransferId: String, error: ErrorInformationObject)
    /// The core's answer to `POST /quoterequests`.
    case quoteAnswered(transactionId: String, answer: BackendQuoteResponse)
    /// The core refused to quote or could not be reached.
    case quoteRefused(transactionId: String, error: ErrorInformationObject)
    /// The core's answer to `POST /transfers`.
    case transferAnswered(transactionId: String, answer: BackendTransferResponse)
    /// The core refused the transfer or could not be reached.
    case transferRefused(transactionId: String, error: ErrorInformationObject)
    /// A waiting aggregate's deadline passed.
    case deadlinePassed(AggregateRef, at: Timestamp)
    /// A request to the hub failed after its retries.
    case hubRequestFailed(AggregateRef, error: ErrorInformationObject)
    /// An effect (a request to the hub, a notification to the core) was carried out.
    case effectCompleted(EffectOutcome)

    public var wireName: String {
        switch self {
        case .hubMessage: return "fspiop.received"
        case .hubMessageRejected: return "fspiop.rejected"
        case .transferRequested: return "core.transfer-requested"
        case .transferDecided: return "core.transfer-decided"
        case .paymentRequested: return "core.r2p-transfer-requested"
        case .paymentDecided: return "core.r2p-transfer-decided"
        case .partyLookupRequested: return "core.party-lookup-requested"
        case .relayRequested: return "core.relay-requested"
        case .requestToPayRequested: return "core.r2p-requested"
        case .requestToPayDecided: return "core.r2p-decided"
        case .transactionRequestAnswered: return "core.transaction-request-answered"
        case .transactionRequestRefused: return "core.transaction-request-refused"
        case .bulkQuoteAnswered: return "core.bulk-quote-answered"
        case .bulkQuoteRefused: return "core.bulk-quote-refused"
        case .bulkTransferAnswered: return "core.bulk-transfer-answered"
        case .bulkTransferRefused: return "core.bulk-transfer-refused"
        case .quoteAnswered: return "core.quote-answered"
        case .quoteRefused: return "core.quote-refused"
        case .transferAnswered: return "core.transfer-answered"
        case .transferRefused: return "core.transfer-refused"
        case .deadlinePassed: return "timer.deadline-passed"
        case .hubRequestFailed: return "effect.hub-request-failed"
        case .effectCompleted: return "effect.completed"
        }
    }

    /// The schema version written: 2 for the facts that name an aggregate, since relayed requests are
    /// aggregates too (version 1, without them, reads as it is).
    public var schemaVersion: Int {
        switch self {
        // Version 3: the aggregate kinds of bulk quotes and transfers (version 2 added relayed requests and requests to pay).
        case .deadlinePassed, .hubRequestFailed: return 3
        // Version 2: bulk quotes and bulk transfers are relayed too.
        case .relayRequested: return 2
        // Version 2: the headers received and what was checked of the signature; the headers and body sent.
        case .hubMessage, .effectCompleted: return 2
        default: return 1
        }
    }

    /// Every wire name, for the schema registry.
    public static let wireNames = [
        "fspiop.received", "fspiop.rejected", "core.transfer-requested", "core.transfer-decided", "core.party-lookup-requested", "core.relay-requested",
        "core.r2p-requested", "core.r2p-decided", "core.transaction-request-answered", "core.transaction-request-refused",
        "core.bulk-quote-answered", "core.bulk-quote-refused", "core.bulk-transfer-answered", "core.bulk-transfer-refused", "core.quote-answered",
        "core.quote-refused", "core.transfer-answered", "core.transfer-refused", "timer.deadline-passed",
        "effect.hub-request-failed", "effect.completed", "core.r2p-transfer-requested", "core.r2p-transfer-decided",
    ]

    /// The payload as its schema describes it (`schemas/events/<wireName>.v1.schema.json`).
    public var payload: JSONValue {
        get throws {
            switch self {
            case let .hubMessage(message):
                return message.json
            case let .hubMessageRejected(method, path, source, error):
                var members: [(String, JSONValue)] = [("method", .string(method)), ("path", .string(path))]
                if let source { members.append(("source", .string(source))) }
                members.append(("error", try JSONValueEncoder.encode(error)))
                return .object(members)
            case let .transferRequested(transferId, request, autoParty, autoQuote):
                var members: [(String, JSONValue)] = [("transferId", .string(transferId)), ("request", try JSONValueEncoder.encode(request))]
                if let autoParty { members.append(("autoAcceptParty", .bool(autoParty))) }
                if let autoQuote { members.append(("autoAcceptQuote", .bool(autoQuote))) }
                return .object(members)
            case let .transferDecided(transferId, acceptParty, acceptQuote):
                var members: [(String, JSONValue)] = [("transferId", .string(transferId))]
                if let acceptParty { members.append(("acceptParty", .bool(acceptParty))) }
                if let acceptQuote { members.append(("acceptQuote", .bool(acceptQuote))) }
                return .object(members)
            case let .paymentRequested(transferId, request):
                return .object([("transferId", .string(transferId)), ("request", try JSONValueEncoder.encode(request))])
            case let .paymentDecided(transferId, acceptQuote, acceptOTP):
                var members: [(String, JSONValue)] = [("transferId", .string(transferId))]
                if let acceptQuote { members.append(("acceptQuote", .bool(acceptQuote))) }
                if let acceptOTP { members.append(("acceptOTP", .bool(acceptOTP))) }
                return .object(members)
            case let .partyLookupRequested(requestId, party):
                return .object([("requestId", .string(requestId)), ("party", try JSONValueEncoder.encode(party))])
            case let .relayRequested(resource, id, destination, body):
                return .object([("resource", .string(resource.rawValue)), ("id", .string(id)), ("destination", .string(destination)), ("body", body)])
            case let .requestToPayRequested(id, request, autoAcceptParty):
                var members: [(String, JSONValue)] = [("transactionRequestId", .string(id)), ("request", try JSONValueEncoder.encode(request))]
                if let autoAcceptParty { members.append(("autoAcceptParty", .bool(autoAcceptParty))) }
                return .object(members)
            case let .requestToPayDecided(id, acceptParty):
                return .object([("transactionRequestId", .string(id)), ("acceptParty", .bool(acceptParty))])
            case let .transactionRequestAnswered(id, answer):
                return .object([("transactionRequestId", .string(id)), ("answer", try JSONValueEncoder.encode(answer))])
            case let .transactionRequestRefused(id, error):
                return .object([("transactionRequestId", .string(id)), ("error", try JSONValueEncoder.encode(error))])
            case let .bulkQuoteAnswered(id, answer):
                return .object([("bulkQuoteId", .string(id)), ("answer", try JSONValueEncoder.encode(answer))])
            case let .bulkQuoteRefused(id, error):
                return .object([("bulkQuoteId", .string(id)), ("error", try JSONValueEncoder.encode(error))])
            case let .bulkTransferAnswered(id, answer):
                return .object([("bulkTransferId", .string(id)), ("answer", try JSONValueEncoder.encode(answer))])
            case let .bulkTransferRefused(id, error):
                return .object([("bulkTransferId", .string(id)), ("error", try JSONValueEncoder.encode(error))])
            case let .quoteAnswered(transactionId, answer):
                return .object([("transactionId", .string(transactionId)), ("answer", try JSONValueEncoder.encode(answer))])
            case let .transferAnswered(transactionId, answer):
                return .object([("transactionId", .string(transactionId)), ("answer", try JSONValueEncoder.encode(answer))])
            case let .quoteRefused(transactionId, error), let .transferRefused(transactionId, error):
                return .object([("transactionId", .string(transactionId)), ("error", try JSONValueEncoder.encode(error))])
            case let .deadlinePassed(ref, at):
                return .object([("aggregate", .string(ref.kind.rawValue)), ("id", .string(ref.id)), ("at", .string(at.dateTime))])
            case let .hubRequestFailed(ref, error):
                return .object([("aggregate", .string(ref.kind.rawValue)), ("id", .string(ref.id)), ("error", try JSONValueEncoder.encode(error))])
            case let .effectCompleted(outcome):
                return outcome.json
            }
        }
    }

    /// The fact of this wire type with this payload.
    public init(wireName: String, payload: JSONValue) throws(EventDecodingFailure) {
        let reader = FactReader(wireName: wireName, payload: payload)
        switch wireName {
        case "fspiop.received":
            self = .hubMessage(HubMessage(
                method: try reader.decode(String.self, "method"), path: try reader.decode(String.self, "path"),
                source: try reader.decode(String.self, "source"), destination: try reader.optional(String.self, "destination"),
                version: try reader.decode(String.self, "version"), signature: try reader.optional(String.self, "signature"),
                body: payload["body"], headers: try reader.headers(), jws: try reader.optional(JWSCheck.self, "jws")))
        case "fspiop.rejected":
            self = .hubMessageRejected(method: try reader.decode(String.self, "method"), path: try reader.decode(String.self, "path"),
                                       source: try reader.optional(String.self, "source"), error: try reader.decode(ErrorInformationObject.self, "error"))
        case "core.transfer-requested":
            self = .transferRequested(transferId: try reader.decode(String.self, "transferId"),
                                      request: try reader.decode(OutboundTransferRequest.self, "request"),
                                      autoAcceptParty: try reader.optional(Bool.self, "autoAcceptParty"),
                                      autoAcceptQuote: try reader.optional(Bool.self, "autoAcceptQuote"))
        case "core.transfer-decided":
            self = .transferDecided(transferId: try reader.decode(String.self, "transferId"),
                                    acceptParty: try reader.optional(Bool.self, "acceptParty"),
                                    acceptQuote: try reader.optional(Bool.self, "acceptQuote"))
        case "core.r2p-transfer-requested":
            self = .paymentRequested(transferId: try reader.decode(String.self, "transferId"),
                                     request: try reader.decode(RequestToPayTransferRequest.self, "request"))
        case "core.r2p-transfer-decided":
            self = .paymentDecided(transferId: try reader.decode(String.self, "transferId"), acceptQuote: try reader.optional(Bool.self, "acceptQuote"),
                                   acceptOTP: try reader.optional(Bool.self, "acceptOTP"))
        case "core.party-lookup-requested":
            self = .partyLookupRequested(requestId: try reader.decode(String.self, "requestId"), party: try reader.decode(PartyIdInfo.self, "party"))
        case "core.relay-requested":
            guard let resource = RelayedRequest.Resource(rawValue: try reader.decode(String.self, "resource")) else {
                throw EventDecodingFailure("\(wireName): 'resource' must be quotes, transfers, bulkQuotes or bulkTransfers")
            }
            guard let body = payload["body"], case .object = body else { throw EventDecodingFailure("\(wireName): 'body' must be an object") }
            self = .relayRequested(resource, id: try reader.decode(String.self, "id"), destination: try reader.decode(String.self, "destination"), body: body)
        case "core.r2p-requested":
            self = .requestToPayRequested(transactionRequestId: try reader.decode(String.self, "transactionRequestId"),
                                          request: try reader.decode(RequestToPayRequest.self, "request"),
                                          autoAcceptParty: try reader.optional(Bool.self, "autoAcceptParty"))
        case "core.r2p-decided":
            self = .requestToPayDecided(transactionRequestId: try reader.decode(String.self, "transactionRequestId"),
                                        acceptParty: try reader.decode(Bool.self, "acceptParty"))
        case "core.transaction-request-answered":
            self = .transactionRequestAnswered(transactionRequestId: try reader.decode(String.self, "transactionRequestId"),
                                               answer: try reader.decode(BackendTransactionRequestResponse.self, "answer"))
        case "core.transaction-request-refused":
            self = .transactionRequestRefused(transactionRequestId: try reader.decode(String.self, "transactionRequestId"),
                                              error: try reader.decode(ErrorInformationObject.self, "error"))
        case "core.bulk-quote-answered":
            self = .bulkQuoteAnswered(bulkQuoteId: try reader.decode(String.self, "bulkQuoteId"), answer: try reader.decode(BackendBulkQuoteResponse.self, "answer"))
        case "core.bulk-quote-refused":
            self = .bulkQuoteRefused(bulkQuoteId: try reader.decode(String.self, "bulkQuoteId"), error: try reader.decode(ErrorInformationObject.self, "error"))
        case "core.bulk-transfer-answered":
            self = .bulkTransferAnswered(bulkTransferId: try reader.decode(String.self, "bulkTransferId"),
                                         answer: try reader.decode(BackendBulkTransferResponse.self, "answer"))
        case "core.bulk-transfer-refused":
            self = .bulkTransferRefused(bulkTransferId: try reader.decode(String.self, "bulkTransferId"), error: try reader.decode(ErrorInformationObject.self, "error"))
        case "core.quote-answered":
            self = .quoteAnswered(transactionId: try reader.decode(String.self, "transactionId"), answer: try reader.decode(BackendQuoteResponse.self, "answer"))
        case "core.quote-refused":
            self = .quoteRefused(transactionId: try reader.decode(String.self, "transactionId"), error: try reader.decode(ErrorInformationObject.self, "error"))
        case "core.transfer-answered":
            self = .transferAnswered(transactionId: try reader.decode(String.self, "transactionId"), answer: try reader.decode(BackendTransferResponse.self, "answer"))
        case "core.transfer-refused":
            self = .transferRefused(transactionId: try reader.decode(String.self, "transactionId"), error: try reader.decode(ErrorInformationObject.self, "error"))
        case "timer.deadline-passed":
            guard let at = Timestamp(dateTime: try reader.decode(String.self, "at")) else { throw EventDecodingFailure("\(wireName): 'at' must be a DateTime") }
            self = .deadlinePassed(try reader.ref(), at: at)
        case "effect.hub-request-failed":
            self = .hubRequestFailed(try reader.ref(), error: try reader.decode(ErrorInformationObject.self, "error"))
        case "effect.completed":
            self = .effectCompleted(EffectOutcome(
                method: try reader.decode(String.self, "method"), url: try reader.decode(String.self, "url"),
                status: try reader.optional(Int.self, "status"), error: try reader.optional(String.self, "error"),
                headers: try reader.headers(), body: payload["body"]))
        default:
            throw EventDecodingFailure("unknown fact type '\(wireName)'")
        }
    }
}

/// Reads a fact's payload members, naming the type and member in every failure.
private struct FactReader {
    let wireName: String
    let payload: JSONValue

    func decode<T: Decodable>(_ type: T.Type, _ member: String) throws(EventDecodingFailure) -> T {
        guard let value = payload[member], value != .null else { throw EventDecodingFailure("\(wireName): '\(member)' is missing") }
        do { return try JSONValueDecoder.decode(T.self, from: value) } catch {
            throw EventDecodingFailure("\(wireName): '\(member)': \(error)")
        }
    }

    func optional<T: Decodable>(_ type: T.Type, _ member: String) throws(EventDecodingFailure) -> T? {
        guard let value = payload[member], value != .null else { return nil }
        return try decode(type, member)
    }

    func headers() throws(EventDecodingFailure) -> HeaderFields? {
        guard let value = payload["headers"], value != .null else { return nil }
        guard let fields = HeaderFields(json: value) else { throw EventDecodingFailure("\(wireName): 'headers' must be an object of strings") }
        return fields
    }

    func ref() throws(EventDecodingFailure) -> AggregateRef {
        guard let kind = AggregateKind(rawValue: try decode(String.self, "aggregate")) else {
            throw EventDecodingFailure("\(wireName): 'aggregate' must be outbound, inbound, party, relayed, requestToPay, transactionRequest, bulkQuote or bulkTransfer")
        }
        return AggregateRef(kind, try decode(String.self, "id"))
    }
}
