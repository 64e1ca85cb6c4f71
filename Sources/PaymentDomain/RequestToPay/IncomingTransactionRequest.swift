import FSPIOP

/// The core's answer to backend `POST /transactionrequests` (`transactionRequestResponse`).
public struct BackendTransactionRequestResponse: Codable, Sendable, Hashable {
    public var homeR2PTransactionId: String?
    public var transactionId: String?
    public var transactionRequestState: String

    public init(homeR2PTransactionId: String? = nil, transactionId: String? = nil, transactionRequestState: String) {
        self.homeR2PTransactionId = homeR2PTransactionId
        self.transactionId = transactionId
        self.transactionRequestState = transactionRequestState
    }
}

/// A request to pay that another DFSP sent to this one for one of its customers (`POST /transactionRequests`,
/// the SDK's `InboundTransfersModel.transactionRequest`): the core is asked (backend
/// `POST /transactionrequests`) and its answer goes back as `PUT /transactionRequests/{ID}`, or the
/// refusal as `PUT /transactionRequests/{ID}/error`. A resent request gets the same answer again.
public struct IncomingTransactionRequest: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable {
        case new
        /// The core is asked.
        case received
        case answered
        case refused

        public var isTerminal: Bool { self == .answered || self == .refused }
    }

    public var transactionRequestId: String
    public var request: TransactionRequestsPostRequest?
    public var source: String?
    public var phase: Phase = .new
    public var answer: TransactionRequestsIDPutResponse?
    public var error: ErrorInformationObject?
    public var version: Int64 = 0

    public init(transactionRequestId: String) { self.transactionRequestId = transactionRequestId }
}

public enum IncomingTransactionRequestFact: Sendable, Hashable {
    case received(TransactionRequestsPostRequest, source: String)
    case coreAnswered(BackendTransactionRequestResponse)
    case coreRefused(ErrorInformationObject)
}

public enum IncomingTransactionRequestEvent: Sendable, Hashable {
    /// Effect: backend `POST /transactionrequests`.
    case received(TransactionRequestsPostRequest, source: String)
    /// Effect: `PUT /transactionRequests/{ID}` to the source.
    case answered(TransactionRequestsIDPutResponse)
    /// Effect: `PUT /transactionRequests/{ID}/error` to the source.
    case refused(ErrorInformationObject)
    /// Effect: the same answer (or refusal) again, for a resent request.
    case answerRepeated

    public var wireName: String {
        switch self {
        case .received: return "r2p.inbound.received"
        case .answered: return "r2p.inbound.answered"
        case .refused: return "r2p.inbound.refused"
        case .answerRepeated: return "r2p.inbound.answer-repeated"
        }
    }

    public static let wireNames = ["r2p.inbound.received", "r2p.inbound.answered", "r2p.inbound.refused", "r2p.inbound.answer-repeated"]
}

extension IncomingTransactionRequest {
    /// The events a fact causes. A resend of the same request is answered again once answered, and
    /// ignored while the core is asked; a different request under the same id is refused (3106).
    public func decide(_ fact: IncomingTransactionRequestFact) throws(FSPIOPError) -> [IncomingTransactionRequestEvent] {
        switch fact {
        case let .received(request, source):
            guard phase != .new else { return [.received(request, source: source)] }
            guard request == self.request else {
                throw FSPIOPError(.modifiedRequest, "transactionRequestId \(transactionRequestId) was used for a different request")
            }
            return phase.isTerminal ? [.answerRepeated] : []
        case let .coreAnswered(answer):
            guard phase == .received else { return [] }
            guard ["RECEIVED", "PENDING", "ACCEPTED", "REJECTED"].contains(answer.transactionRequestState) else {
                return [.refused(FSPIOPError(.internalServerError, "the core answered transactionRequestState '\(answer.transactionRequestState)'").errorInformation)]
            }
            return [.answered(TransactionRequestsIDPutResponse(transactionId: answer.transactionId, transactionRequestState: answer.transactionRequestState))]
        case let .coreRefused(error):
            guard phase == .received else { return [] }
            return [.refused(error)]
        }
    }

    public func evolve(_ event: IncomingTransactionRequestEvent) -> IncomingTransactionRequest {
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

extension IncomingTransactionRequestEvent {
    /// The event's payload (`schemas/events/<wireName>.v1.schema.json`).
    public var payload: JSONValue {
        get throws {
            switch self {
            case let .received(request, source):
                return .object([("transactionRequest", try JSONValueEncoder.encode(request)), ("source", .string(source))])
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
        switch wireName {
        case "r2p.inbound.received":
            self = .received(try reader.decode(TransactionRequestsPostRequest.self, "transactionRequest"), source: try reader.string("source"))
        case "r2p.inbound.answered": self = .answered(try reader.decode(TransactionRequestsIDPutResponse.self, "response"))
        case "r2p.inbound.refused": self = .refused(try reader.decode(ErrorInformationObject.self, "error"))
        case "r2p.inbound.answer-repeated": self = .answerRepeated
        default: throw EventDecodingFailure("unknown incoming transaction request event '\(wireName)'")
        }
    }
}
