import FSPIOP

/// A request another DFSP sends this one that its core answers, as an ``InboundExchange`` keeps it.
public protocol InboundExchangeRequest: Codable, Sendable, Hashable {
    /// The FSPIOP answer (`PUT /{resource}/{ID}`).
    associatedtype Answer: Codable, Sendable, Hashable
    /// Its events' wire names are this, a dot and the event (`received`, `answered`, ...).
    static var eventPrefix: String { get }
    /// The member of a `received` event's payload that carries the request.
    static var payloadMember: String { get }
    /// The name of its id (`transactionRequestId`, ...), for messages.
    static var idMember: String { get }
}

/// A request another DFSP sent this one and the core answers: `POST /transactionRequests` (the SDK's
/// `InboundTransfersModel.transactionRequest`), `POST /bulkQuotes` (`bulkQuoteRequest`) and
/// `POST /bulkTransfers` (`prepareBulkTransfer`). The core is asked once (the backend call of the
/// resource); the processor turns its answer into the FSPIOP answer, which goes back as
/// `PUT /{resource}/{ID}`, or the refusal as `.../error`. A resent request gets the same answer again,
/// and is ignored while the core is asked; a different request under the same id is refused (3106).
public struct InboundExchange<Request: InboundExchangeRequest>: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable {
        case new
        /// The core is asked.
        case received
        case answered
        case refused

        public var isTerminal: Bool { self == .answered || self == .refused }
    }

    public var id: String
    public var request: Request?
    public var source: String?
    public var phase: Phase = .new
    public var answer: Request.Answer?
    public var error: ErrorInformationObject?
    public var version: Int64 = 0

    public init(id: String) { self.id = id }
}

public enum InboundExchangeFact<Request: InboundExchangeRequest>: Sendable, Hashable {
    case received(Request, source: String)
    /// The FSPIOP answer made from the core's.
    case coreAnswered(Request.Answer)
    /// The core refused, or the request cannot be carried out.
    case coreRefused(ErrorInformationObject)
}

public enum InboundExchangeEvent<Request: InboundExchangeRequest>: Sendable, Hashable {
    /// Effect: the backend call.
    case received(Request, source: String)
    /// Effect: `PUT /{resource}/{ID}` to the source.
    case answered(Request.Answer)
    /// Effect: `PUT /{resource}/{ID}/error` to the source.
    case refused(ErrorInformationObject)
    /// Effect: the same answer (or refusal) again, for a resent request.
    case answerRepeated

    private static var names: [String] { ["received", "answered", "refused", "answer-repeated"] }

    public var wireName: String {
        switch self {
        case .received: return "\(Request.eventPrefix).received"
        case .answered: return "\(Request.eventPrefix).answered"
        case .refused: return "\(Request.eventPrefix).refused"
        case .answerRepeated: return "\(Request.eventPrefix).answer-repeated"
        }
    }

    public static var wireNames: [String] { names.map { "\(Request.eventPrefix).\($0)" } }

    /// The event's payload (`schemas/events/<wireName>.v1.schema.json`).
    public var payload: JSONValue {
        get throws {
            switch self {
            case let .received(request, source):
                return .object([(Request.payloadMember, try JSONValueEncoder.encode(request)), ("source", .string(source))])
            case let .answered(answer):
                return .object([("response", try JSONValueEncoder.encode(answer))])
            case let .refused(error):
                return .object([("error", try JSONValueEncoder.encode(error))])
            case .answerRepeated:
                return .object([])
            }
        }
    }

    public init(wireName: String, payload: JSONValue) throws(EventDecodingFailure) {
        let reader = EventPayload(wireName: wireName, payload: payload)
        guard wireName.hasPrefix(Request.eventPrefix + ".") else { throw EventDecodingFailure("'\(wireName)' is not an event of \(Request.eventPrefix)") }
        switch wireName.dropFirst(Request.eventPrefix.count + 1) {
        case "received": self = .received(try reader.decode(Request.self, Request.payloadMember), source: try reader.string("source"))
        case "answered": self = .answered(try reader.decode(Request.Answer.self, "response"))
        case "refused": self = .refused(try reader.decode(ErrorInformationObject.self, "error"))
        case "answer-repeated": self = .answerRepeated
        default: throw EventDecodingFailure("unknown event '\(wireName)'")
        }
    }
}

extension InboundExchange {
    /// The events a fact causes. A resend of the same request is answered again once answered, and
    /// ignored while the core is asked; a different request under the same id is refused (3106).
    public func decide(_ fact: InboundExchangeFact<Request>) throws(FSPIOPError) -> [InboundExchangeEvent<Request>] {
        switch fact {
        case let .received(request, source):
            guard phase != .new else { return [.received(request, source: source)] }
            guard request == self.request else { throw FSPIOPError(.modifiedRequest, "\(Request.idMember) \(id) was used for a different request") }
            return phase.isTerminal ? [.answerRepeated] : []
        case let .coreAnswered(answer):
            guard phase == .received else { return [] }
            return [.answered(answer)]
        case let .coreRefused(error):
            guard phase == .received else { return [] }
            return [.refused(error)]
        }
    }

    public func evolve(_ event: InboundExchangeEvent<Request>) -> InboundExchange {
        var next = self
        next.version += 1
        switch event {
        case let .received(request, source):
            next.request = request
            next.source = source
            next.phase = .received
        case let .answered(answer):
            next.answer = answer
            next.phase = .answered
        case let .refused(error):
            next.error = error
            next.phase = .refused
        case .answerRepeated:
            break
        }
        return next
    }
}

/// A bulk quote another DFSP asked this one for, by `bulkQuoteId`.
public typealias InboundBulkQuote = InboundExchange<BulkQuotesPostRequest>
public typealias InboundBulkQuoteEvent = InboundExchangeEvent<BulkQuotesPostRequest>
/// A bulk transfer another DFSP sent to this one, by `bulkTransferId`.
public typealias InboundBulkTransfer = InboundExchange<BulkTransfersPostRequest>
public typealias InboundBulkTransferEvent = InboundExchangeEvent<BulkTransfersPostRequest>

extension BulkQuotesPostRequest: InboundExchangeRequest {
    public typealias Answer = BulkQuotesIDPutResponse
    public static var eventPrefix: String { "bulk-quote.inbound" }
    public static var payloadMember: String { "request" }
    public static var idMember: String { "bulkQuoteId" }
}

extension BulkTransfersPostRequest: InboundExchangeRequest {
    public typealias Answer = BulkTransfersIDPutResponse
    public static var eventPrefix: String { "bulk-transfer.inbound" }
    public static var payloadMember: String { "request" }
    public static var idMember: String { "bulkTransferId" }
}
